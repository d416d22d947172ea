#!/usr/bin/env node
// duckdb_parquet.mjs - the DuckDB peer for bench/shard_size.sh: request-log
// CSV -> one Parquet file (zstd), keeping only the columns a slagg shard
// keeps (ts, account, status, cause).
//
//   node bench/duckdb_parquet.mjs [options] --out OUT.parquet INPUT.csv...
//
// options:
//   --threads N             DuckDB worker threads                     [2]
//   --ts timestamptz|ms     how ts is stored                          [timestamptz]
//                             timestamptz: TIMESTAMPTZ (UTC microseconds,
//                               Parquet INT64 TIMESTAMP(MICROS, UTC))
//                             ms: BIGINT Unix milliseconds (Parquet INT64),
//                               what a slagg shard stores
//   --order file|account_ts row order in the output                   [file]
//                             file: as read (the logs are roughly in time order)
//                             account_ts: ORDER BY account, ts (a slagg shard
//                               sorts each block by account, ts)
//   --level N               zstd level of the Parquet pages           [3]
//   --parquet-version V1|V2 V2 allows DELTA_BINARY_PACKED etc.        [V1]
//   --row-group-size N      rows per row group (DuckDB default 122880)
//
// Column types, read with an explicit schema (no sniffing):
//   ts TIMESTAMPTZ (RFC 3339 with offset, parsed exactly), account VARCHAR,
//   status SMALLINT, cause VARCHAR (empty -> NULL), request_id VARCHAR
//   (read but not selected, so DuckDB skips converting it).
//
// Prints one line of JSON: rows, bytes (of OUT), column_bytes (compressed
// bytes of each column, from parquet_metadata), seconds (the COPY alone),
// total_seconds (since the process started: Node, loading DuckDB, the COPY),
// and the options used.
import { DuckDBInstance } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

function usage(msg) {
    if (msg) process.stderr.write(`duckdb_parquet.mjs: ${msg}\n`);
    process.stderr.write(
        'usage: node bench/duckdb_parquet.mjs [--threads N] [--ts timestamptz|ms]\n' +
        '         [--order file|account_ts] [--level N] [--parquet-version V1|V2]\n' +
        '         [--row-group-size N] --out OUT.parquet INPUT.csv...\n');
    process.exit(1);
}

const opt = { threads: 2, ts: 'timestamptz', order: 'file', level: 3, parquetVersion: 'V1',
              rowGroupSize: null, out: null, inputs: [] };
const argv = process.argv.slice(2);
const positiveInt = (name, v) => {
    if (!/^[0-9]+$/.test(v ?? '') || Number(v) < 1) usage(`${name} needs a positive integer`);
    return Number(v);
};
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
    case '--threads': opt.threads = positiveInt(a, val()); break;
    case '--ts': opt.ts = val(); break;
    case '--order': opt.order = val(); break;
    case '--level': opt.level = positiveInt(a, val()); break;
    case '--parquet-version': opt.parquetVersion = val(); break;
    case '--row-group-size': opt.rowGroupSize = positiveInt(a, val()); break;
    case '--out': opt.out = val(); break;
    case '-h': case '--help': usage();
    default:
        if (a.startsWith('--')) usage(`unknown option ${a}`);
        opt.inputs.push(a);
    }
}
if (!opt.out) usage('--out is required');
if (opt.inputs.length === 0) usage('no input files');
if (!['timestamptz', 'ms'].includes(opt.ts)) usage('--ts is timestamptz or ms');
if (!['file', 'account_ts'].includes(opt.order)) usage('--order is file or account_ts');
if (!['V1', 'V2'].includes(opt.parquetVersion)) usage('--parquet-version is V1 or V2');
if (opt.level > 22) usage('--level is 1..22');

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const inputs = opt.inputs.map((p) => sqlString(resolve(p))).join(', ');
const out = resolve(opt.out);

const tsExpr = opt.ts === 'ms' ? 'epoch_ms(ts) AS ts' : 'ts';
const orderBy = opt.order === 'account_ts' ? 'ORDER BY account, ts' : '';
const copyOpts = [
    'FORMAT parquet',
    'COMPRESSION zstd',
    `COMPRESSION_LEVEL ${opt.level}`,
    `PARQUET_VERSION ${opt.parquetVersion}`,
    ...(opt.rowGroupSize ? [`ROW_GROUP_SIZE ${opt.rowGroupSize}`] : []),
].join(', ');
const sql = `COPY (
    SELECT ${tsExpr}, account, status, cause
    FROM read_csv([${inputs}], header = true, auto_detect = false, delim = ',', quote = '"',
                  columns = {'ts': 'TIMESTAMPTZ', 'account': 'VARCHAR', 'status': 'SMALLINT',
                             'cause': 'VARCHAR', 'request_id': 'VARCHAR'})
    ${orderBy}
) TO ${sqlString(out)} (${copyOpts})`;

const instance = await DuckDBInstance.create(':memory:', { threads: String(opt.threads) });
const con = await instance.connect();
const t0 = performance.now();
const result = await con.run(sql);
const seconds = (performance.now() - t0) / 1000;
const rows = Number(result.rowsChanged);
const bytes = statSync(out).size;
const version = (await con.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v;
// where the bytes go: compressed bytes of each column, all row groups together
const columnBytes = Object.fromEntries((await con.runAndReadAll(
    `SELECT path_in_schema AS col, sum(total_compressed_size)::BIGINT AS bytes
     FROM parquet_metadata(${sqlString(out)}) GROUP BY col ORDER BY min(column_id)`))
    .getRowObjectsJS().map((r) => [r.col, Number(r.bytes)]));
con.closeSync();
instance.closeSync();

process.stdout.write(JSON.stringify({
    rows, bytes, column_bytes: columnBytes, seconds: Number(seconds.toFixed(3)),
    total_seconds: Number((performance.now() / 1000).toFixed(3)),
    threads: opt.threads, ts: opt.ts, order: opt.order, level: opt.level,
    parquet_version: opt.parquetVersion, row_group_size: opt.rowGroupSize ?? 122880,
    duckdb: version, inputs: opt.inputs, output: opt.out,
}) + '\n');
