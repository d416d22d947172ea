#!/usr/bin/env node
// duckdb_fold.mjs - the DuckDB peer for bench/fold_vs_duckdb.sh (issue 4)
// and bench/text_vs_duckdb.sh (issue 13): the same per-account, per-period
// availability as `slagg fold`, in SQL.
//
//   node bench/duckdb_fold.mjs parquet [--threads N] --out OUT.parquet CSV...
//       request records as CSV (ts,account,status,cause: what `slagg cat
//       --format csv` writes; a named pipe is fine) -> one Parquet file,
//       zstd, V2: ts BIGINT Unix ms, account VARCHAR, status SMALLINT,
//       cause VARCHAR (empty -> NULL), in input order.
//   node bench/duckdb_fold.mjs fold [--threads N] [--through YYYY-MM-DD]
//       [--input parquet|csv|ndjson] [--text-scan once|each]
//       --contracts FILE [--maintenance FILE] --out OUT.csv IN...
//       the SLA rules (../shared/SPEC.md sections 1-2) for a fleet at the
//       service time zone +08:00 -> OUT.csv:
//       account,period_start,days,availability_pct,tier_pct,near_boundary
//       --input parquet (the default): one Parquet file as `parquet` makes.
//       --input csv / ndjson: the request logs themselves, one or more
//       files as `slagg gen` writes them (CSV: header
//       ts,account,status,cause,request_id, ts RFC 3339 with an offset,
//       cause empty or a word; NDJSON: ts, account, status, optional
//       cause, other keys ignored), all plain or all zstd (*.zst), read by
//       read_csv (auto_detect off, explicit columns) / read_json
//       (newline_delimited, explicit columns). Reading the text is part of
//       the SQL's time: with --text-scan once (the default, DuckDB's
//       faster way) a first stage reads the text once into a temporary
//       table (ts BIGINT ms, account, status, cause) and the plan below
//       runs on it; with --text-scan each the plan reads the text itself
//       wherever it reads the Parquet file (three times, two with
//       --through).
//   node bench/duckdb_fold.mjs check --slagg finance.csv --duckdb OUT.csv
//       joins both on (account, period_start) and compares tiers and
//       availability_pct.
//
// Each prints one line of JSON (rows, seconds of the SQL alone,
// total_seconds since the process started, ...; `fold` of text also
// read_seconds, the first stage's share of seconds); `check` exits 1 when the
// two disagree, and lists the disagreeing rows on stderr.
//
// How the fold is written (a fair, not a naive, query): a window's error
// rate E/V is 0 when E = 0, so only windows with an error need V. The
// query therefore
//   1. takes the error candidates (5xx with an empty or `provider` cause,
//      status 0 with cause `provider`: about 1 % of the records) and drops
//      those inside a notified maintenance window of their account or `*`
//      (`maintenance.csv`: [start, end), notice_at empty or <= start);
//      what is left are the errors (E), of which the status-0 ones are
//      also valid (lost to a provider fault);
//   2. counts, for the (account, window) pairs with E > 0 only, the valid
//      requests: every record with status 100-599 (ok, excluded or error,
//      all received) plus the lost ones from step 1;
//   3. sums E/V per contracted period (one per calendar month of each
//      contract row, clipped to it; an open end runs through --through,
//      default the last service-time day with a record; periods starting
//      after it are not reported; days count up to it):
//      A = 1 - S / (288 x days), printed as percent truncated to 4
//      decimals, tier 0/10/25/50 at 99.9/99/95 % (compared on the
//      truncated millionths, as slagg does, so print and tier agree).
// Windows: floor((ts_ms + 8 h) / 5 min) (ts > 0, so `//` is floor).
// near_boundary: 10^6 x A is within 1e-5 of an integer, where double
// rounding may truncate one millionth away from slagg's exact figure.
import { DuckDBInstance } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const TZ_MS = 8 * 3600 * 1000;   // +08:00, the fleet's service time zone

function usage(msg) {
    if (msg) process.stderr.write(`duckdb_fold.mjs: ${msg}\n`);
    process.stderr.write(
        'usage: node bench/duckdb_fold.mjs parquet [--threads N] --out OUT.parquet CSV...\n' +
        '       node bench/duckdb_fold.mjs fold [--threads N] [--through YYYY-MM-DD] --contracts FILE\n' +
        '            [--maintenance FILE] [--input parquet|csv|ndjson] [--text-scan once|each]\n' +
        '            --out OUT.csv IN.parquet | LOG...\n' +
        '       node bench/duckdb_fold.mjs check --slagg finance.csv --duckdb OUT.csv\n');
    process.exit(1);
}

const mode = process.argv[2];
if (!['parquet', 'fold', 'check'].includes(mode)) usage(mode ? `unknown mode ${mode}` : 'no mode');
const opt = { threads: 2, through: null, contracts: null, maintenance: null, out: null,
              slagg: null, duckdb: null, input: 'parquet', text_scan: 'once', inputs: [] };
const argv = process.argv.slice(3);
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
    case '--threads':
        opt.threads = Number(val());
        if (!Number.isInteger(opt.threads) || opt.threads < 1) usage('--threads needs a positive integer');
        break;
    case '--through':
        opt.through = val();
        if (!/^\d{4}-\d{2}-\d{2}$/.test(opt.through)) usage('--through is YYYY-MM-DD');
        break;
    case '--input':
        opt.input = val();
        if (!['parquet', 'csv', 'ndjson'].includes(opt.input)) usage('--input is parquet, csv or ndjson');
        break;
    case '--text-scan':
        opt.text_scan = val();
        if (!['once', 'each'].includes(opt.text_scan)) usage('--text-scan is once or each');
        break;
    case '--contracts': opt.contracts = val(); break;
    case '--maintenance': opt.maintenance = val(); break;
    case '--out': opt.out = val(); break;
    case '--slagg': opt.slagg = val(); break;
    case '--duckdb': opt.duckdb = val(); break;
    case '-h': case '--help': usage();
    default:
        if (a.startsWith('--')) usage(`unknown option ${a}`);
        opt.inputs.push(a);
    }
}

const q = (s) => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:', { threads: String(opt.threads) });
const con = await instance.connect();
const version = (await con.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v;
const rowsOf = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();
const done = (fields) => {
    con.closeSync();
    instance.closeSync();
    process.stdout.write(JSON.stringify({
        ...fields, threads: opt.threads, duckdb: version,
        total_seconds: Number((performance.now() / 1000).toFixed(3)),
    }) + '\n');
};

if (mode === 'parquet') {
    if (!opt.out) usage('--out is required');
    if (opt.inputs.length === 0) usage('no input');
    const sql = `COPY (
        SELECT epoch_ms(ts) AS ts, account, status, cause
        FROM read_csv([${opt.inputs.map((p) => q(resolve(p))).join(', ')}], header = true,
                      auto_detect = false, delim = ',', quote = '"',
                      columns = {'ts': 'TIMESTAMPTZ', 'account': 'VARCHAR', 'status': 'SMALLINT',
                                 'cause': 'VARCHAR'})
    ) TO ${q(resolve(opt.out))} (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION V2)`;
    const t0 = performance.now();
    const result = await con.run(sql);
    const seconds = (performance.now() - t0) / 1000;
    done({ rows: Number(result.rowsChanged), bytes: statSync(opt.out).size,
           seconds: Number(seconds.toFixed(3)), output: opt.out });
} else if (mode === 'fold') {
    if (!opt.out || !opt.contracts) usage('--out and --contracts are required');
    let P;        // the records: ts BIGINT Unix ms, account, status, cause
    let read = null;   // --text-scan once: the first stage, which reads the text
    if (opt.input === 'parquet') {
        if (opt.inputs.length !== 1) usage('one Parquet file');
        P = `read_parquet(${q(resolve(opt.inputs[0]))})`;
    } else {
        if (opt.inputs.length === 0) usage('no input');
        const zst = opt.inputs.filter((p) => p.endsWith('.zst')).length;
        if (zst !== 0 && zst !== opt.inputs.length) usage('inputs all plain or all zstd (*.zst), not mixed');
        const files = `[${opt.inputs.map((p) => q(resolve(p))).join(', ')}]`;
        const compression = zst ? 'zstd' : 'none';   // read_json spells none 'uncompressed'
        const reader = opt.input === 'csv'
            ? `read_csv(${files}, header = true, auto_detect = false, delim = ',', quote = '"',
                        compression = '${compression}',
                        columns = {'ts': 'TIMESTAMPTZ', 'account': 'VARCHAR', 'status': 'SMALLINT',
                                   'cause': 'VARCHAR', 'request_id': 'VARCHAR'})`
            : `read_json(${files}, format = 'newline_delimited', compression = '${zst ? 'zstd' : 'uncompressed'}',
                         columns = {'ts': 'TIMESTAMPTZ', 'account': 'VARCHAR', 'status': 'SMALLINT',
                                    'cause': 'VARCHAR'})`;
        const select = `SELECT epoch_ms(ts) AS ts, account, status, cause FROM ${reader}`;
        if (opt.text_scan === 'once') {
            read = `CREATE TEMP TABLE records AS ${select}`;
            P = 'records';
        } else {
            P = `(${select})`;
        }
    }
    const maint = opt.maintenance
        ? `SELECT epoch_ms("start") AS s, epoch_ms("end") AS e, scope
           FROM read_csv(${q(resolve(opt.maintenance))}, header = true, auto_detect = false,
                         columns = {'start': 'TIMESTAMPTZ', 'end': 'TIMESTAMPTZ', 'scope': 'VARCHAR',
                                    'notice_at': 'TIMESTAMPTZ'})
           WHERE notice_at IS NULL OR notice_at <= "start"`
        : 'SELECT NULL::BIGINT AS s, NULL::BIGINT AS e, NULL::VARCHAR AS scope WHERE false';
    const through = opt.through
        ? `SELECT DATE ${q(opt.through)} AS d`
        : `SELECT DATE '1970-01-01' + CAST((max(ts) + ${TZ_MS}) // 86400000 AS INTEGER) AS d FROM ${P}`;
    const sql = [
        `CREATE TEMP TABLE maint AS ${maint}`,
        `CREATE TEMP TABLE through AS ${through}`,
        // one period per calendar month of each contract row, clipped to the
        // row and to --through; first_day / last_day as service-time day numbers
        `CREATE TEMP TABLE periods AS
         WITH c AS (
             SELECT account, "start", least(coalesce("end", t.d), t.d) AS last
             FROM read_csv(${q(resolve(opt.contracts))}, header = true, auto_detect = false,
                           columns = {'account': 'VARCHAR', 'start': 'DATE', 'end': 'DATE'}), through t),
         m AS (
             SELECT account, "start", last,
                    unnest(generate_series(date_trunc('month', "start")::TIMESTAMP,
                                           date_trunc('month', last)::TIMESTAMP, INTERVAL 1 MONTH))::DATE AS month
             FROM c WHERE "start" <= last)
         SELECT account, greatest(month, "start") AS period_start,
                (greatest(month, "start") - DATE '1970-01-01')::BIGINT AS first_day,
                (least((month + INTERVAL 1 MONTH)::DATE - 1, last) - DATE '1970-01-01')::BIGINT AS last_day
         FROM m`,
        // 1. errors: candidates outside notified maintenance, per window
        `CREATE TEMP TABLE ew AS
         WITH cand AS (
             SELECT account, ts, status FROM ${P}
             WHERE (status BETWEEN 500 AND 599 AND (cause IS NULL OR cause = '' OR cause = 'provider'))
                OR (status = 0 AND cause = 'provider'))
         SELECT account, (ts + ${TZ_MS}) // 300000 AS w, count(*) AS e, count(*) FILTER (status = 0) AS lost
         FROM cand c
         WHERE NOT EXISTS (SELECT 1 FROM maint m
                           WHERE (m.scope = '*' OR m.scope = c.account) AND c.ts >= m.s AND c.ts < m.e)
         GROUP BY ALL`,
        // 2. V of those windows: received (status 100-599) + lost
        `CREATE TEMP TABLE rates AS
         SELECT ew.account, ew.w, ew.e / (count(r.w) + ew.lost) AS rate
         FROM ew LEFT JOIN
              (SELECT account, (ts + ${TZ_MS}) // 300000 AS w FROM ${P} WHERE status BETWEEN 100 AND 599) r
              ON r.account = ew.account AND r.w = ew.w
         GROUP BY ew.account, ew.w, ew.e, ew.lost`,
        // 3. per period
        `COPY (
         WITH s AS (
             SELECT p.account, p.period_start, p.last_day - p.first_day + 1 AS days,
                    coalesce(sum(r.rate), 0) AS s
             FROM periods p LEFT JOIN rates r
               ON r.account = p.account AND r.w // 288 BETWEEN p.first_day AND p.last_day
             GROUP BY ALL),
         x AS (SELECT *, 1e6 * (1 - s / (288 * days)) AS x FROM s),
         u AS (SELECT *, floor(x)::BIGINT AS u FROM x)
         SELECT account, period_start, days,
                (u // 10000)::VARCHAR || '.' || lpad((u % 10000)::VARCHAR, 4, '0') AS availability_pct,
                CASE WHEN u >= 999000 THEN 0 WHEN u >= 990000 THEN 10 WHEN u >= 950000 THEN 25 ELSE 50 END AS tier_pct,
                abs(x - round(x)) < 1e-5 AND s > 0 AS near_boundary
         FROM u ORDER BY account, period_start
         ) TO ${q(resolve(opt.out))} (HEADER, DELIMITER ',')`,
    ];
    const t0 = performance.now();
    if (read) await con.run(read);
    const read_seconds = (performance.now() - t0) / 1000;
    for (const s of sql) await con.run(s);
    const seconds = (performance.now() - t0) / 1000;
    const text = opt.input === 'parquet' ? {} : {
        input: opt.input, files: opt.inputs.length, text_scan: opt.text_scan,
        read_seconds: read ? Number(read_seconds.toFixed(3)) : null,
        // rows read (the temporary table; not counted again with --text-scan each)
        records: read ? Number((await rowsOf(`SELECT count(*)::BIGINT AS n FROM ${P}`))[0].n) : null,
    };
    const [stats] = await rowsOf(`SELECT (SELECT count(*) FROM periods)::BIGINT AS periods,
        (SELECT count(*) FROM ew)::BIGINT AS error_windows, (SELECT d::VARCHAR FROM through) AS through`);
    done({ rows: Number(stats.periods), error_windows: Number(stats.error_windows), through: stats.through,
           seconds: Number(seconds.toFixed(3)), ...text, output: opt.out });
} else {
    if (!opt.slagg || !opt.duckdb) usage('--slagg and --duckdb are required');
    await con.run(`CREATE TEMP TABLE j AS
        SELECT coalesce(a.account, b.account) AS account, coalesce(a.period_start, b.period_start) AS period_start,
               a.availability_pct AS slagg_pct, b.availability_pct AS duckdb_pct,
               a.tier_pct AS slagg_tier, b.tier_pct AS duckdb_tier, b.near_boundary,
               round(abs(a.availability_pct::DECIMAL(10,4) - b.availability_pct::DECIMAL(10,4)), 4) AS diff
        FROM read_csv(${q(resolve(opt.slagg))}, header = true, auto_detect = false, all_varchar = true,
                      columns = {'account': 'VARCHAR', 'period_start': 'VARCHAR', 'period_end': 'VARCHAR',
                        'days': 'VARCHAR', 'windows': 'VARCHAR', 'valid_requests': 'VARCHAR',
                        'error_requests': 'VARCHAR', 'excluded_requests': 'VARCHAR', 'error_windows': 'VARCHAR',
                        'availability_pct': 'VARCHAR', 'tier_pct': 'VARCHAR', 'fee': 'VARCHAR',
                        'voucher_paid': 'VARCHAR', 'credit': 'VARCHAR', 'credit_capped': 'VARCHAR',
                        'state': 'VARCHAR', 'claim_opens': 'VARCHAR', 'claim_deadline': 'VARCHAR'}) a
        FULL OUTER JOIN
             read_csv(${q(resolve(opt.duckdb))}, header = true, auto_detect = false,
                      columns = {'account': 'VARCHAR', 'period_start': 'VARCHAR', 'days': 'VARCHAR',
                        'availability_pct': 'VARCHAR', 'tier_pct': 'VARCHAR', 'near_boundary': 'BOOLEAN'}) b
        ON a.account = b.account AND a.period_start = b.period_start`);
    const [c] = await rowsOf(`SELECT count(*)::BIGINT AS rows,
        count(*) FILTER (slagg_pct IS NULL)::BIGINT AS only_duckdb,
        count(*) FILTER (duckdb_pct IS NULL)::BIGINT AS only_slagg,
        count(*) FILTER (slagg_tier <> duckdb_tier)::BIGINT AS tier_diff,
        count(*) FILTER (slagg_pct = duckdb_pct)::BIGINT AS equal,
        count(*) FILTER (diff = 0.0001 AND near_boundary)::BIGINT AS boundary,
        count(*) FILTER (diff > 0 AND NOT (diff = 0.0001 AND near_boundary))::BIGINT AS pct_diff,
        count(*) FILTER (near_boundary)::BIGINT AS near_boundary_rows
        FROM j`);
    const bad = await rowsOf(`SELECT * FROM j
        WHERE slagg_pct IS NULL OR duckdb_pct IS NULL OR slagg_tier <> duckdb_tier
           OR (diff > 0 AND NOT (diff = 0.0001 AND near_boundary))
        ORDER BY account, period_start LIMIT 50`);
    const r = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v)]));
    r.agree = r.only_duckdb === 0 && r.only_slagg === 0 && r.tier_diff === 0 && r.pct_diff === 0 && r.rows > 0;
    if (!r.agree) {
        process.stderr.write('duckdb_fold.mjs check: slagg and DuckDB disagree (first 50 rows):\n');
        for (const b of bad) process.stderr.write(JSON.stringify(b) + '\n');
    }
    done(r);
    process.exitCode = r.agree ? 0 : 1;
}
