/*
 * mpi.h - `mpirun -np K slagg fold ...` (docs/DISTRIBUTED.md).
 *
 * The slagg binary links MPI when the build finds it (SLAGG_HAVE_MPI), but
 * calls MPI_Init only when mpirun (or srun, or any PMI launcher) started
 * it, so the same binary also runs alone. The library (core/, io/) never
 * sees MPI.
 */
#ifndef SLAGG_CLI_MPI_H
#define SLAGG_CLI_MPI_H

#include "cli/fold_job.h"

/* Whether a process manager started this process, from its environment
 * (OMPI_COMM_WORLD_SIZE/RANK, PMI_SIZE/RANK, PMIX_RANK): 0 when not; else
 * the world size when told (at least 1), and *rank its rank (else 0). */
int slagg_mpi_launched(int *rank);

#if SLAGG_HAVE_MPI
/* The fold over K ranks, writing what one process would, byte for byte:
 * rank 0 reads the tables and expands the inputs, and shares both; input i
 * goes to rank i % K, which scans it with all its threads; bucket entries
 * travel to rank (account % K) (MPI_Alltoallv), each rank merges its
 * accounts, and rank 0 gathers them, with the counters and rejected rows,
 * finishes and writes the outputs. Every rank reaches the same
 * collectives, and after each step all agree on success: a failure on any
 * rank is printed by rank 0 (naming the file) and every rank returns the
 * same exit code, with nothing written. Calls MPI_Init and MPI_Finalize. */
int slagg_mpi_fold(const slagg_fold_args *a);
#endif

#endif
