#!/usr/bin/env node
// A Cosmos DB peer for the tests (never for production): @vercel/cosmosdb-server 1.0.1, in
// memory and in this process on an internal 127.0.0.1 port without TLS, behind a small HTTP/1.1
// proxy on 127.0.0.1 that the Rust SDK (azure_data_cosmos) talks to.
//
//   node peer.js [--port N]        N = 0 or absent: any free port
//
// stdout: exactly one line, `listening http://127.0.0.1:PORT`, once ready. Diagnostics: stderr
// (COSMOS_PEER_TRACE=1 adds every request and answer, abridged). COSMOS_PEER_REQUEST_LOG=FILE
// appends one line per request to FILE, `<epoch ms> <method> <path> <query|batch|-> <partition
// key, as sent, or ->`: cheap enough to keep on under load, for counting what a server asks of
// the account (lease writes per second, say).
// SIGUSR1: a simulated outage: the listener closes and every open client socket is destroyed.
// SIGUSR2: back: listens again on the same port. The data lives in the backing server and
//          survives the outage.
// Exits on SIGTERM, SIGINT, or when stdin closes (so that a killed test run leaks no peer).
//
// Where the server differs from Cosmos DB in a way the SDK or our tests trip over, it is fixed
// here, each fix with its reason: some in the server's own handlers (patched in-process, below;
// they hold the data), the rest on the wire in the proxy (see `fixAnswer` and `forward`).
"use strict";

const http = require("http");
const { AsyncLocalStorage } = require("async_hooks");

const log = (...args) => console.error("cosmos-peer:", ...args);
const TRACE = Boolean(process.env.COSMOS_PEER_TRACE);
const REQUEST_LOG = process.env.COSMOS_PEER_REQUEST_LOG
  ? require("fs").createWriteStream(process.env.COSMOS_PEER_REQUEST_LOG, { flags: "a" })
  : null;

// --- In-process fixes: these must be installed before the server's routes are loaded -------
// (routes.js copies each handler when it is first required). The paths are those of the
// pinned version 1.0.1.
const lib = (path) => require(`@vercel/cosmosdb-server/lib/${path}`);
const { version } = require("@vercel/cosmosdb-server/package.json");
if (version !== "1.0.1") {
  log(`@vercel/cosmosdb-server ${version} installed; these fixes are written for 1.0.1`);
  process.exit(1);
}
const Items = lib("account/items").default;
const { parsePartitionKey } = lib("utils/get-partition-from-header");
const documentOperations = lib("handler/_document-operations");
const readJson = lib("json").default;

// (1) A query sent for one logical partition (header x-ms-documentdb-partitionkey) must see
// that partition only. The server ignores the header and instead rejects, with "missing
// partition keys", any query whose text does not filter on the partition key path; and it
// rejects the SDK's cross-partition queries (sent per partition key range, without
// x-ms-documentdb-query-enablecrosspartition) the same way. So: skip that check, and run the
// query over the documents of the requested partition alone.
// Likewise a query the SDK scoped to a range of effective partition keys (headers
// x-ms-start-epk / x-ms-end-epk: it sends one such request per partition key value when a
// cross-partition query names several, e.g. `c.tenant IN ('a', 'b')`) must see the documents
// whose key hashes into that range only; the server ignores these headers too, and every
// request returned every match (duplicates).
const queryScope = new AsyncLocalStorage();
const queryDocuments = lib("handler/query-documents");
const serverQueryDocuments = queryDocuments.default;
queryDocuments.default = (account, req, res, params) => {
  req.headers["x-ms-documentdb-query-enablecrosspartition"] = "true";
  const header = req.headers["x-ms-documentdb-partitionkey"];
  const [start, end] = [req.headers["x-ms-start-epk"], req.headers["x-ms-end-epk"]];
  let scope = null;
  if (header) {
    scope = { partition: parsePartitionKey(Array.isArray(header) ? header[0] : header) };
  } else if (typeof start === "string" && typeof end === "string") {
    const collection = account.database(params.dbId).collection(params.collId).read();
    const definition = (collection && collection.partitionKey) || {};
    if (definition.version === 2 && (definition.paths || []).length === 1) {
      scope = { epk: [start.toUpperCase(), end.toUpperCase()] };
    } else {
      log("EPK-scoped query on a container without a V2 hash key: scope ignored");
    }
  }
  if (!scope) return serverQueryDocuments(account, req, res, params);
  return queryScope.run(scope, () => serverQueryDocuments(account, req, res, params));
};

// The effective partition key of a single-path V2 hash key, as the SDK computes it (ported
// from azure_data_cosmos_driver's models/effective_partition_key.rs): MurmurHash3 x64 128 of
// the value's hashing encoding, big-endian, top two bits cleared, as upper-case hex.
const M64 = (1n << 64n) - 1n;
const mul64 = (a, b) => (a * b) & M64;
const rotl64 = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M64;
function fmix64(k) {
  k ^= k >> 33n;
  k = mul64(k, 0xff51afd7ed558ccdn);
  k ^= k >> 33n;
  k = mul64(k, 0xc4ceb9fe1a85ec53n);
  return k ^ (k >> 33n);
}
function murmur3x64_128(bytes) {
  const [c1, c2] = [0x87c37b91114253d5n, 0x4cf5ad432745937fn];
  const le64 = (at, n) => {
    let v = 0n;
    for (let i = n - 1; i >= 0; i -= 1) v = (v << 8n) | BigInt(bytes[at + i]);
    return v;
  };
  let [h1, h2] = [0n, 0n];
  const blocks = bytes.length - (bytes.length % 16);
  for (let i = 0; i < blocks; i += 16) {
    h1 ^= mul64(rotl64(mul64(le64(i, 8), c1), 31), c2);
    h1 = (mul64((rotl64(h1, 27) + h2) & M64, 5n) + 0x52dce729n) & M64;
    h2 ^= mul64(rotl64(mul64(le64(i + 8, 8), c2), 33), c1);
    h2 = (mul64((rotl64(h2, 31) + h1) & M64, 5n) + 0x38495ab5n) & M64;
  }
  const rest = bytes.length - blocks;
  if (rest > 8) h2 ^= mul64(rotl64(mul64(le64(blocks + 8, rest - 8), c2), 33), c1);
  if (rest > 0) h1 ^= mul64(rotl64(mul64(le64(blocks, Math.min(rest, 8)), c1), 31), c2);
  h1 ^= BigInt(bytes.length);
  h2 ^= BigInt(bytes.length);
  h1 = (h1 + h2) & M64;
  h2 = (h2 + h1) & M64;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 = (h1 + h2) & M64;
  h2 = (h2 + h1) & M64;
  return [h1, h2];
}
function effectivePartitionKey(value) {
  let bytes;
  if (typeof value === "string") {
    bytes = Buffer.concat([Buffer.from([0x08]), Buffer.from(value, "utf8"), Buffer.from([0xff])]);
  } else if (typeof value === "number") {
    bytes = Buffer.alloc(9);
    bytes[0] = 0x05;
    bytes.writeDoubleLE(value, 1);
  } else {
    const marker = value === true ? 0x03 : value === false ? 0x02 : value === null ? 0x01 : 0x00;
    bytes = Buffer.from([marker]);
  }
  const [h1, h2] = murmur3x64_128(bytes);
  const hex = h2.toString(16).padStart(16, "0") + h1.toString(16).padStart(16, "0");
  const first = (parseInt(hex.slice(0, 2), 16) & 0x3f).toString(16).padStart(2, "0");
  return (first + hex.slice(2)).toUpperCase();
}
function inScope(scope, value) {
  if ("partition" in scope) return value === scope.partition;
  const epk = effectivePartitionKey(value);
  return scope.epk[0] <= epk && epk < scope.epk[1];
}

// (2) The server's SQL engine knows no OFFSET ... LIMIT ...; Cosmos DB does, and our queries
// use it. A trailing `OFFSET a LIMIT b` (literals or @parameters) is cut off, the rest runs
// unpaged, and the window is applied to its result (returned as one page).
const OFFSET_LIMIT = /\s+OFFSET\s+(\d+|@\w+)\s+LIMIT\s+(\d+|@\w+)\s*$/i;
const serverQuery = Items.prototype.query;
Items.prototype.query = function query(params, options) {
  const scope = queryScope.getStore();
  const window = OFFSET_LIMIT.exec(params.query || "");
  if (!scope && !window) return serverQuery.call(this, params, options);
  const all = this._data;
  if (scope) {
    this._data = new Map(
      [...all].filter(([, item]) => inScope(scope, this._getPartition(item.read()))),
    );
  }
  try {
    if (!window) return serverQuery.call(this, params, options);
    const value = (token) => {
      if (!token.startsWith("@")) return Number(token);
      const found = (params.parameters || []).find((p) => p.name === token);
      if (!found || !Number.isInteger(found.value) || found.value < 0) {
        const err = new Error(`OFFSET/LIMIT parameter ${token} must be a non-negative integer`);
        err.badRequest = true;
        throw err;
      }
      return found.value;
    };
    const [offset, limit] = [value(window[1]), value(window[2])];
    const text = params.query.slice(0, window.index);
    const answer = serverQuery.call(this, { ...params, query: text }, {});
    if (!answer) return answer;
    return { result: answer.result.slice(offset, offset + limit), continuation: null };
  } finally {
    this._data = all;
  }
};

// (3) Reading an item that does not exist crashes the server's handler (it dereferences the
// missing document to compare its partition key) into a 500; Cosmos DB answers 404 NotFound.
const readDocument = lib("handler/read-document");
const serverReadDocument = readDocument.default;
readDocument.default = (account, req, res, params) => {
  try {
    return serverReadDocument(account, req, res, params);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    res.statusCode = 404;
    return {
      code: "NotFound",
      message: "Entity with the specified id does not exist in the system.",
    };
  }
};

// (4) Transactional batch, rewritten on the server's own operations, because the server's
// (a) reads each operation's partition key from the operation, where the SDK sends it once
//     for the batch, as the x-ms-documentdb-partitionkey header (so every operation but
//     create failed: "Failed to parse x-ms-documentdb-partitionkey headers: undefined");
// (b) is not atomic: operations before a failing one stay applied;
// (c) answers 200 when an operation failed. Cosmos DB answers 207 Multi-Status with the
//     failing operation's own status and 424 Failed Dependency for every other operation,
//     and applies none of them.
const BATCH_OPERATIONS = {
  Create: documentOperations.createOperation,
  Upsert: documentOperations.upsertOperation,
  Read: documentOperations.readOperation,
  Replace: documentOperations.replaceOperation,
  Delete: documentOperations.deleteOperation,
};
lib("handler/batch-documents").default = async (account, req, res, { dbId, collId }) => {
  const operations = await readJson(req);
  const collection = account.database(dbId).collection(collId);
  if (!collection.read()) {
    res.statusCode = 404;
    return { code: "NotFound", message: "Resource Not Found" };
  }
  if (!Array.isArray(operations)) {
    res.statusCode = 400;
    return { code: "BadRequest", message: "Invalid request body" };
  }
  const partitionKey = req.headers["x-ms-documentdb-partitionkey"];
  const documents = collection.documents;
  const saved = { data: new Map(documents._data), index: new Map(documents._index) };
  const results = [];
  let failed = -1;
  for (const [i, operation] of operations.entries()) {
    const run = BATCH_OPERATIONS[operation && operation.operationType];
    if (!run) {
      res.statusCode = 400;
      return {
        code: "BadRequest",
        message: `Operation type '${operation && operation.operationType}' is not supported in Batch.`,
      };
    }
    let result;
    try {
      result = run(collection, { partitionKey, ...operation });
    } catch (err) {
      result = { statusCode: err.conflict ? 409 : 400, body: { message: err.message } };
    }
    if (result.statusCode >= 400) {
      results.push({ statusCode: result.statusCode, requestCharge: 0 });
      failed = i;
      break;
    }
    results.push({
      statusCode: result.statusCode,
      requestCharge: 1,
      eTag: result.body ? result.body._etag : undefined,
      resourceBody: result.body,
    });
  }
  if (failed === -1) {
    res.statusCode = 200;
    return results;
  }
  documents._data = saved.data;
  documents._index = saved.index;
  res.statusCode = 207;
  return operations.map((_, i) =>
    i === failed ? results[failed] : { statusCode: 424, requestCharge: 0 },
  );
};

const { createHttpServer } = require("@vercel/cosmosdb-server");

// --- The backing server ----------------------------------------------------------------
// keepAlive: otherwise it answers every request with `connection: close`.
const backend = createHttpServer({ keepAlive: true });
const upstream = new http.Agent({ keepAlive: true, maxSockets: 32 });
let backendPort = 0;

// --- Fixes on the wire ---------------------------------------------------------------------
const PKRANGES = /^\/dbs\/[^/]+\/colls\/[^/]+\/pkranges\/?$/;

// Cosmos DB's largest item, and largest transactional batch request.
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

const DOC_WRITE = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs(\/[^/]+)?\/?$/;

// Takes the backing server's answer (status, parsed JSON body) and returns what to send.
function fixAnswer(req, path, status, body, frontPort) {
  const method = req.method;
  // The account document advertises `https://127.0.0.1:<backend port>/` as the only region's
  // endpoint, even without TLS. The SDK sends every later request to the advertised region,
  // so it must name this proxy, and over http (which the SDK allows for 127.0.0.1).
  if (method === "GET" && path === "/" && status === 200 && body) {
    const self = `http://127.0.0.1:${frontPort}/`;
    for (const list of [body.writableLocations, body.readableLocations]) {
      for (const location of list || []) location.databaseAccountEndpoint = self;
    }
  }
  // Partition key ranges are created with a numeric `id` (0). Cosmos DB and the SDK have it
  // as a string ("0"); with a number the SDK fails every item operation with 503/20305
  // (ClientTopologyResolutionFailed).
  if (method === "GET" && PKRANGES.test(path) && status === 200 && body) {
    for (const range of body.PartitionKeyRanges || []) {
      range.id = String(range.id);
      if (Array.isArray(range.parents)) range.parents = range.parents.map(String);
    }
  }
  // The SDK writes with `Prefer: return=minimal` unless content_response_on_write is enabled,
  // and Cosmos DB then answers without the document; the server sends it anyway, which would
  // let a test pass on a body that production never gets.
  const minimal = /return=minimal/i.test(req.headers.prefer || "");
  const isBatch = /^true$/i.test(req.headers["x-ms-cosmos-is-batch-request"] || "");
  if (minimal && !isBatch && method !== "GET" && DOC_WRITE.test(path) && status < 300) {
    return { status, body: Buffer.alloc(0) };
  }
  return { status, body };
}

// Answers the proxy gives itself, without the backing server; or null.
function ownAnswer(req, requestBody) {
  // Cosmos binary JSON (the SDK's default encoding; its first byte is 0x80) is beyond the
  // server, which fails with a JSON syntax error as 500, and the SDK retries that. Say so.
  if (requestBody.length > 0 && requestBody[0] === 0x80) {
    return {
      status: 400,
      body: {
        code: "BadRequest",
        message:
          "cosmos-peer: Cosmos binary JSON is not supported; disable binary encoding " +
          "(BinaryEncodingOptions::with_enabled(false) or AZURE_COSMOS_BINARY_ENCODING_ENABLED=false)",
      },
    };
  }
  // Cosmos DB refuses an item, or a transactional batch, over 2 MB with 413; the server
  // stores anything. The limit is what makes an oversized log entry a real case.
  const path = req.url.split("?")[0];
  if (
    (req.method === "POST" || req.method === "PUT") &&
    DOC_WRITE.test(path) &&
    requestBody.length > MAX_REQUEST_BYTES
  ) {
    return {
      status: 413,
      body: {
        code: "RequestEntityTooLarge",
        message: `Request size is too large (${requestBody.length} bytes; the limit is ${MAX_REQUEST_BYTES})`,
      },
    };
  }
  // The SDK asks the gateway for a query plan only for the cross-partition queries its own
  // planner declines: aggregates, GROUP BY, DCOUNT, vector/full-text ranking. The server has
  // no query planner (it would run the request as a query). With Cosmos DB the SDK then
  // refuses such queries itself (400/20113, unsupported cross-partition feature), so a 400
  // here keeps the outcome.
  if (/^true$/i.test(req.headers["x-ms-cosmos-is-query-plan-request"] || "")) {
    return {
      status: 400,
      body: {
        code: "BadRequest",
        message:
          "cosmos-peer: no gateway query plans (the SDK cannot run this query across partitions either)",
      },
    };
  }
  return null;
}

// --- The proxy --------------------------------------------------------------------------------
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "upgrade",
  "proxy-connection",
  "te",
  "trailer",
]);

function send(res, status, headers, body) {
  if (res.destroyed) return;
  const out = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  if (TRACE) log(`< ${status} ${out.toString("utf8").slice(0, 300)}`);
  res.writeHead(status, { ...headers, "content-length": String(out.length) });
  res.end(out);
}

function forward(req, res, frontPort) {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("error", () => res.destroy());
  req.on("end", () => {
    const requestBody = Buffer.concat(chunks);
    if (REQUEST_LOG) {
      const h = req.headers;
      const kind = /^true$/i.test(h["x-ms-documentdb-isquery"] || "")
        ? "query"
        : /^true$/i.test(h["x-ms-cosmos-is-batch-request"] || "")
          ? "batch"
          : "-";
      const partition = String(h["x-ms-documentdb-partitionkey"] || "-").replace(/\s/g, "");
      REQUEST_LOG.write(`${Date.now()} ${req.method} ${req.url.split("?")[0]} ${kind} ${partition}\n`);
    }
    if (TRACE) {
      const headers = Object.entries(req.headers)
        .filter(([n]) => n.startsWith("x-ms-") && !/date|version|activity|client-id|sdk/.test(n))
        .map(([n, v]) => `${n}=${v}`)
        .join(" ");
      log(`> ${req.method} ${req.url} ${headers} ${requestBody.toString("utf8").slice(0, 400)}`);
    }
    const own = ownAnswer(req, requestBody);
    if (own) {
      return send(res, own.status, { "content-type": "application/json" }, own.body);
    }
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers["content-length"] = String(requestBody.length);
    const outbound = http.request(
      {
        host: "127.0.0.1",
        port: backendPort,
        method: req.method,
        path: req.url,
        headers,
        agent: upstream,
      },
      (answer) => {
        const parts = [];
        answer.on("data", (chunk) => parts.push(chunk));
        answer.on("error", () => res.destroy());
        answer.on("end", () => {
          const raw = Buffer.concat(parts);
          const responseHeaders = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (!HOP_BY_HOP.has(name)) responseHeaders[name] = value;
          }
          // Cosmetic: the server writes https:// into content-location whatever it serves.
          if (typeof responseHeaders["content-location"] === "string") {
            responseHeaders["content-location"] = responseHeaders["content-location"].replace(
              /^https:/,
              "http:",
            );
          }
          let body;
          try {
            body = raw.length ? JSON.parse(raw.toString("utf8")) : null;
          } catch {
            return send(res, answer.statusCode, responseHeaders, raw); // not JSON: untouched
          }
          const path = new URL(req.url, "http://peer").pathname;
          const fixed = fixAnswer(req, path, answer.statusCode, body, frontPort);
          send(res, fixed.status, responseHeaders, fixed.body === null ? raw : fixed.body);
        });
      },
    );
    outbound.on("error", (err) => {
      log(`backing server request failed: ${err.message}`);
      if (res.headersSent) return res.destroy();
      send(res, 500, { "content-type": "application/json" }, {
        code: "InternalServerError",
        message: `cosmos-peer: ${err.message}`,
      });
    });
    outbound.end(requestBody);
  });
}

// --- Listening, and the simulated outage ------------------------------------------------------
function parsePort(argv) {
  const i = argv.indexOf("--port");
  if (i === -1) return 0;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    log(`bad --port ${argv[i + 1]}`);
    process.exit(2);
  }
  return port;
}

let port = parsePort(process.argv.slice(2)); // 0 until first bound, then fixed
let front = null; // the proxy's server while up (or starting); null during an outage
let retry = null; // a pending retry of listenFront
let announced = false;
const sockets = new Set(); // every open client connection, destroyed on an outage

function listenFront(attempt = 0) {
  retry = null;
  const server = http.createServer((req, res) => forward(req, res, port));
  front = server;
  server.keepAliveTimeout = 60_000;
  server.on("clientError", (err, socket) => {
    // The SDK speaks HTTP/2 (prior knowledge, on http://) unless told not to; this proxy
    // speaks HTTP/1.1 only.
    if (err.rawPacket && err.rawPacket.toString("latin1").startsWith("PRI * HTTP/2.0")) {
      log(
        "an HTTP/2 client: allow HTTP/1.1 only (ConnectionPoolOptions::with_is_http2_allowed" +
          "(false) or AZURE_COSMOS_CONNECTION_POOL_IS_HTTP2_ALLOWED=false)",
      );
    }
    socket.destroy();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("error", (err) => {
    if (front !== server) return;
    // After an outage the port can be held for a moment by another socket; retry for ~5 s.
    if (err.code === "EADDRINUSE" && announced && attempt < 100) {
      front = null;
      retry = setTimeout(() => listenFront(attempt + 1), 50);
      return;
    }
    log(`cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, "127.0.0.1", () => {
    if (front !== server) return; // an outage began meanwhile
    port = server.address().port;
    if (announced) {
      log(`back on 127.0.0.1:${port}`);
      return;
    }
    announced = true;
    process.stdout.write(`listening http://127.0.0.1:${port}\n`);
  });
}

process.on("SIGUSR1", () => {
  clearTimeout(retry);
  retry = null;
  if (front) front.close();
  front = null;
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  log("down (simulated outage)");
});
process.on("SIGUSR2", () => {
  if (!front && !retry) listenFront();
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
for (const event of ["end", "close", "error"]) process.stdin.on(event, () => process.exit(0));
process.stdin.resume();

backend.on("error", (err) => {
  log(`backing server: ${err.message}`);
  process.exit(1);
});
backend.listen(0, "127.0.0.1", () => {
  backendPort = backend.address().port;
  listenFront();
});
