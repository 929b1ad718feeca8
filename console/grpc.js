// gRPC-Web over fetch, with a protobuf codec driven by the schema the server publishes at
// /console/schema.json (built from the same descriptors as its generated code).
//
// Messages are plain objects keyed by proto field names. Enums are their value names, 64-bit
// integers are numbers (strings past 2^53), Timestamps are Dates, Durations are seconds,
// Structs are plain objects. Fields left unset decode to their proto3 defaults; unset
// messages and optional fields are absent.

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

// google.rpc.Status and the error details the server sends: not in the API's descriptors.
const ERROR_SCHEMA = {
  "google.rpc.Status": { fields: [
    { name: "code", number: 1, type: "int32" },
    { name: "message", number: 2, type: "string" },
    { name: "details", number: 3, type: "message", ref: "google.protobuf.Any", repeated: true },
  ] },
  "google.protobuf.Any": { fields: [
    { name: "type_url", number: 1, type: "string" },
    { name: "value", number: 2, type: "bytes" },
  ] },
  "google.rpc.BadRequest": { fields: [
    { name: "field_violations", number: 1, type: "message", ref: "google.rpc.BadRequest.FieldViolation", repeated: true },
  ] },
  "google.rpc.BadRequest.FieldViolation": { fields: [
    { name: "field", number: 1, type: "string" },
    { name: "description", number: 2, type: "string" },
  ] },
  "google.rpc.QuotaFailure": { fields: [
    { name: "violations", number: 1, type: "message", ref: "google.rpc.QuotaFailure.Violation", repeated: true },
  ] },
  "google.rpc.QuotaFailure.Violation": { fields: [
    { name: "subject", number: 1, type: "string" },
    { name: "description", number: 2, type: "string" },
  ] },
};

export const CODES = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
  "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
  "DATA_LOSS", "UNAUTHENTICATED"];

/** A call that ended with a status other than OK. */
export class GrpcError extends Error {
  constructor(code, message, details = []) {
    super(message || CODES[code] || `status ${code}`);
    this.code = CODES[code] || String(code);
    this.details = details;
  }

  /** `[{field, description}]` from a google.rpc.BadRequest detail. */
  get violations() {
    return this.details.flatMap((detail) => detail.field_violations || []);
  }
}

const VARINT = new Set(["int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool", "enum"]);
const FIXED64 = new Set(["fixed64", "sfixed64", "double"]);
const FIXED32 = new Set(["fixed32", "sfixed32", "float"]);
const WIDE = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

class Writer {
  constructor() { this.bytes = []; }
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) { this.bytes.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    this.bytes.push(Number(v));
  }
  tag(number, wire) { this.varint((number << 3) | wire); }
  raw(bytes) { for (const b of bytes) this.bytes.push(b); }
  delimited(bytes) { this.varint(bytes.length); this.raw(bytes); }
  fixed(size, write) {
    const view = new DataView(new ArrayBuffer(size));
    write(view);
    this.raw(new Uint8Array(view.buffer));
  }
  finish() { return Uint8Array.from(this.bytes); }
}

class Reader {
  constructor(bytes) { this.bytes = bytes; this.pos = 0; }
  get done() { return this.pos >= this.bytes.length; }
  varint() {
    let result = 0n, shift = 0n;
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error("truncated varint");
      const b = this.bytes[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  take(length) {
    if (this.pos + length > this.bytes.length) throw new Error("truncated field");
    const slice = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return slice;
  }
  view(size) {
    const slice = this.take(size);
    return new DataView(slice.buffer, slice.byteOffset, size);
  }
  skip(wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.take(8);
    else if (wire === 2) this.take(Number(this.varint()));
    else if (wire === 5) this.take(4);
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function wireOf(field) {
  if (VARINT.has(field.type)) return 0;
  if (FIXED64.has(field.type)) return 1;
  if (FIXED32.has(field.type)) return 5;
  return 2;
}

function toNumber(big) {
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big) : big.toString();
}

export class Codec {
  constructor(schema) {
    this.messages = { ...schema.messages, ...ERROR_SCHEMA };
    this.enums = schema.enums;
    this.services = schema.services;
    this.enumNames = {};
    for (const [name, values] of Object.entries(this.enums)) {
      this.enumNames[name] = Object.fromEntries(Object.entries(values).map(([k, v]) => [v, k]));
    }
  }

  message(type) {
    const schema = this.messages[type];
    if (!schema) throw new Error(`unknown message ${type}`);
    if (!schema.byNumber) {
      schema.byNumber = new Map(schema.fields.map((f) => [f.number, f]));
    }
    return schema;
  }

  /** The encoded bytes of `value`, a `type` message. */
  encode(type, value) {
    const writer = new Writer();
    this.writeMessage(writer, type, value ?? {});
    return writer.finish();
  }

  writeMessage(writer, type, value) {
    const special = this.toWellKnown(type, value);
    if (special !== undefined) { value = special; }
    const schema = this.message(type);
    for (const key of Object.keys(value)) {
      if (!schema.fields.some((field) => field.name === key)) {
        throw new Error(`${type.split(".").pop()} has no field ${JSON.stringify(key)}`);
      }
    }
    for (const field of schema.fields) {
      const item = value[field.name];
      if (item === undefined || item === null) continue;
      const entry = field.type === "message" && this.messages[field.ref]?.map_entry;
      if (entry) {
        for (const [k, v] of Object.entries(item)) {
          const nested = new Writer();
          this.writeMessage(nested, field.ref, { key: k, value: v });
          writer.tag(field.number, 2);
          writer.delimited(nested.finish());
        }
      } else if (field.repeated) {
        if (!Array.isArray(item)) throw new Error(`${field.name} must be a list`);
        if (wireOf(field) !== 2 && item.length > 0) {
          const packed = new Writer();
          for (const one of item) this.writeScalar(packed, field, one);
          writer.tag(field.number, 2);
          writer.delimited(packed.finish());
        } else {
          for (const one of item) this.writeField(writer, field, one);
        }
      } else if (field.optional || field.type === "message" || !isDefault(field, item)) {
        this.writeField(writer, field, item);
      }
    }
  }

  writeField(writer, field, value) {
    writer.tag(field.number, wireOf(field));
    if (field.type === "message") {
      const nested = new Writer();
      this.writeMessage(nested, field.ref, value);
      writer.delimited(nested.finish());
    } else {
      this.writeScalar(writer, field, value);
    }
  }

  writeScalar(writer, field, value) {
    switch (field.type) {
      case "string": writer.delimited(utf8.encode(String(value))); break;
      case "bytes": writer.delimited(value instanceof Uint8Array ? value : utf8.encode(String(value))); break;
      case "bool": writer.varint(value ? 1 : 0); break;
      case "enum": writer.varint(this.enumNumber(field.ref, value)); break;
      case "sint32": case "sint64": {
        const v = BigInt(value);
        writer.varint(v >= 0n ? v * 2n : -v * 2n - 1n);
        break;
      }
      case "double": writer.fixed(8, (d) => d.setFloat64(0, Number(value), true)); break;
      case "float": writer.fixed(4, (d) => d.setFloat32(0, Number(value), true)); break;
      case "fixed64": case "sfixed64": writer.fixed(8, (d) => d.setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true)); break;
      case "fixed32": case "sfixed32": writer.fixed(4, (d) => d.setUint32(0, Number(value) >>> 0, true)); break;
      default: {
        const whole = typeof value === "number" ? Number.isInteger(value) : /^-?\d+$/.test(String(value).trim());
        if (!whole) throw new Error(`${field.name}: ${JSON.stringify(value)} is not a whole number`);
        writer.varint(BigInt(value));
      }
    }
  }

  enumNumber(type, value) {
    if (typeof value === "number") return value;
    const number = this.enums[type]?.[value];
    if (number === undefined) throw new Error(`${JSON.stringify(value)} is not a ${type.split(".").pop()}`);
    return number;
  }

  /** `value` as the plain message fields of a well-known type, or undefined. */
  toWellKnown(type, value) {
    switch (type) {
      case "google.protobuf.Timestamp": {
        if (value instanceof Date || typeof value === "string") {
          const ms = new Date(value).getTime();
          if (Number.isNaN(ms)) throw new Error(`${JSON.stringify(value)} is not a time`);
          return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
        }
        return undefined;
      }
      case "google.protobuf.Duration": {
        if (typeof value === "number") {
          const seconds = Math.trunc(value);
          return { seconds, nanos: Math.round((value - seconds) * 1e9) };
        }
        return undefined;
      }
      case "google.protobuf.Struct":
        return { fields: Object.fromEntries(Object.entries(value)) };
      case "google.protobuf.Value":
        if (value === null) return { null_value: "NULL_VALUE" };
        if (typeof value === "number") return { number_value: value };
        if (typeof value === "string") return { string_value: value };
        if (typeof value === "boolean") return { bool_value: value };
        if (Array.isArray(value)) return { list_value: { values: value } };
        return { struct_value: value };
      case "google.protobuf.ListValue":
        return Array.isArray(value) ? { values: value } : undefined;
      default:
        return undefined;
    }
  }

  /** The `type` message that `bytes` encode. */
  decode(type, bytes) {
    const schema = this.message(type);
    const reader = new Reader(bytes);
    const out = {};
    while (!reader.done) {
      const key = Number(reader.varint());
      const number = key >>> 3, wire = key & 7;
      const field = schema.byNumber.get(number);
      if (!field) { reader.skip(wire); continue; }
      const entry = field.type === "message" && this.messages[field.ref]?.map_entry;
      if (entry) {
        const pair = this.decode(field.ref, reader.take(Number(reader.varint())));
        (out[field.name] ??= {})[pair.key] = pair.value;
      } else if (field.repeated) {
        const list = (out[field.name] ??= []);
        if (wire === 2 && wireOf(field) !== 2) {
          const packed = new Reader(reader.take(Number(reader.varint())));
          while (!packed.done) list.push(this.readScalar(packed, field));
        } else {
          list.push(this.readField(reader, field));
        }
      } else {
        out[field.name] = this.readField(reader, field);
      }
    }
    for (const field of schema.fields) {
      if (out[field.name] !== undefined) continue;
      if (this.messages[field.ref]?.map_entry) out[field.name] = {};
      else if (field.repeated) out[field.name] = [];
      else if (!field.optional && field.type !== "message") out[field.name] = this.defaultOf(field);
    }
    return this.fromWellKnown(type, out);
  }

  readField(reader, field) {
    if (field.type === "message") {
      return this.decode(field.ref, reader.take(Number(reader.varint())));
    }
    return this.readScalar(reader, field);
  }

  readScalar(reader, field) {
    switch (field.type) {
      case "string": return fromUtf8.decode(reader.take(Number(reader.varint())));
      case "bytes": return reader.take(Number(reader.varint())).slice();
      case "bool": return reader.varint() !== 0n;
      case "enum": {
        const number = Number(BigInt.asIntN(32, reader.varint()));
        return this.enumNames[field.ref]?.[number] ?? number;
      }
      case "int32": return Number(BigInt.asIntN(32, reader.varint()));
      case "uint32": return Number(BigInt.asUintN(32, reader.varint()));
      case "int64": return toNumber(BigInt.asIntN(64, reader.varint()));
      case "uint64": return toNumber(reader.varint());
      case "sint32": case "sint64": {
        const v = reader.varint();
        return toNumber((v & 1n) ? -(v >> 1n) - 1n : v >> 1n);
      }
      case "double": return reader.view(8).getFloat64(0, true);
      case "float": return reader.view(4).getFloat32(0, true);
      case "fixed64": return toNumber(reader.view(8).getBigUint64(0, true));
      case "sfixed64": return toNumber(reader.view(8).getBigInt64(0, true));
      case "fixed32": return reader.view(4).getUint32(0, true);
      case "sfixed32": return reader.view(4).getInt32(0, true);
      default: throw new Error(`unsupported field type ${field.type}`);
    }
  }

  defaultOf(field) {
    switch (field.type) {
      case "string": return "";
      case "bytes": return new Uint8Array(0);
      case "bool": return false;
      case "enum": return this.enumNames[field.ref]?.[0] ?? 0;
      default: return 0;
    }
  }

  fromWellKnown(type, value) {
    switch (type) {
      case "google.protobuf.Timestamp":
        return new Date(Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6));
      case "google.protobuf.Duration":
        return Number(value.seconds) + value.nanos / 1e9;
      case "google.protobuf.Struct":
        return value.fields;
      case "google.protobuf.ListValue":
        return value.values;
      case "google.protobuf.Value": {
        // One member of the `kind` oneof is set; `null_value` (or none) is null.
        for (const kind of ["number_value", "string_value", "bool_value", "struct_value", "list_value"]) {
          if (value[kind] !== undefined) return value[kind];
        }
        return null;
      }
      default:
        return value;
    }
  }
}

function isDefault(field, value) {
  switch (field.type) {
    case "string": return value === "";
    case "bytes": return value.length === 0;
    case "bool": return value === false;
    case "enum": return value === 0 || /_UNSPECIFIED$/.test(String(value));
    default: return Number(value) === 0;
  }
}

/** Frames decoded before the page gets a turn of its event loop. */
const FRAMES_PER_TURN = 100;

function frame(bytes) {
  const out = new Uint8Array(5 + bytes.length);
  new DataView(out.buffer).setUint32(1, bytes.length, false);
  out.set(bytes, 5);
  return out;
}

function parseTrailers(bytes) {
  const trailers = {};
  for (const line of fromUtf8.decode(bytes).split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) trailers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return trailers;
}

/** Calls the API with the credentials `auth()` returns: `{token, tenant}`. */
export class Client {
  constructor(codec, auth) {
    this.codec = codec;
    this.auth = auth;
  }

  static async connect(auth) {
    const response = await fetch("schema.json", { cache: "no-cache" });
    if (!response.ok) throw new Error(`cannot read the API schema: HTTP ${response.status}`);
    return new Client(new Codec(await response.json()), auth);
  }

  shape(path) {
    const [service, method] = path.split("/");
    const shape = this.codec.services[service]?.[method];
    if (!shape) throw new Error(`unknown method ${path}`);
    return shape;
  }

  headers() {
    const headers = {
      "content-type": "application/grpc-web+proto",
      "x-grpc-web": "1",
      "x-user-agent": "orchestrator-console",
    };
    const { token, tenant } = this.auth();
    if (token) headers.authorization = `Bearer ${token}`;
    if (tenant) headers["x-tenant-id"] = tenant;
    return headers;
  }

  /** A unary call: the response message, or a GrpcError. */
  async call(path, request = {}, { signal } = {}) {
    let answer;
    for await (const message of this.stream(path, request, { signal })) answer = message;
    return answer;
  }

  /** A server-streaming call (or a unary one): its messages as they arrive. */
  async *stream(path, request = {}, { signal } = {}) {
    const shape = this.shape(path);
    const body = frame(this.codec.encode(shape.input, request));
    let response;
    try {
      response = await fetch(`/${path}`, { method: "POST", headers: this.headers(), body, signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new GrpcError(14, `cannot reach the server: ${error.message}`);
    }
    if (!response.ok) {
      throw new GrpcError(response.status === 403 ? 7 : 14, `HTTP ${response.status} from the server`);
    }
    const headerStatus = response.headers.get("grpc-status");
    if (headerStatus !== null) {
      // A trailers-only answer: the status is in the headers and there is no body.
      this.raise(Object.fromEntries(response.headers.entries()));
      return;
    }
    const reader = response.body.getReader();
    // What has arrived and not been read yet: a chunk may hold many frames, or part of one.
    let buffer = new Uint8Array(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (buffer.length === 0) {
        buffer = value;
      } else {
        const joined = new Uint8Array(buffer.length + value.length);
        joined.set(buffer);
        joined.set(value, buffer.length);
        buffer = joined;
      }
      const messages = [];
      let at = 0;
      let trailers = null;
      while (buffer.length - at >= 5) {
        if (messages.length === FRAMES_PER_TURN) {
          // A replay arrives as one large chunk: hand the page a turn between slices of it.
          yield* messages.splice(0);
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        const length = new DataView(buffer.buffer, buffer.byteOffset + at).getUint32(1, false);
        if (buffer.length - at < 5 + length) break;
        const flags = buffer[at];
        const payload = buffer.subarray(at + 5, at + 5 + length);
        at += 5 + length;
        if (flags & 0x80) { trailers = parseTrailers(payload); break; }
        messages.push(this.codec.decode(shape.output, payload));
      }
      buffer = buffer.slice(at);
      yield* messages;
      if (trailers) { this.raise(trailers); return; }
    }
    throw new GrpcError(14, "the server closed the call without a status");
  }

  /** Throws the status in `trailers` unless it is OK. */
  raise(trailers) {
    const code = Number(trailers["grpc-status"] ?? 2);
    if (code === 0) return;
    let message = trailers["grpc-message"] ?? "";
    try { message = decodeURIComponent(message); } catch { /* as sent */ }
    let details = [];
    const encoded = trailers["grpc-status-details-bin"];
    if (encoded) {
      try {
        const padded = encoded + "=".repeat((4 - (encoded.length % 4)) % 4);
        const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
        const status = this.codec.decode("google.rpc.Status", bytes);
        details = status.details.map((any) => {
          const type = any.type_url.split("/").pop();
          return this.codec.messages[type] ? { type, ...this.codec.decode(type, any.value) } : { type };
        });
      } catch { /* a status without readable details is still a status */ }
    }
    throw new GrpcError(code, message, details);
  }
}
