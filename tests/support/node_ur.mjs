// The reference side of the BC-UR cross-check (tests/integration/test_ur_node_crosscheck.py, benchmarks/ur.py).
//
// Reads one JSON request on stdin and writes one JSON reply on stdout. Only the reference JavaScript libraries are
// used, never Custos code: @ngraveio/bc-ur (UR, UREncoder, URDecoder: bytewords, fountain codes), Keystone's
// @keystonehq/bc-ur-registry (CryptoHDKey, CryptoKeypath, CryptoAccount, CryptoOutput) and
// @keystonehq/bc-ur-registry-eth (EthSignRequest, ETHSignature), plus the libraries those depend on (uuid, hdkey,
// @ethereumjs/util) for UUID text, BIP-32 derivation and addresses. All bytes travel as lowercase hex.
//
// Requests ({"op": ..., ...}); a failure of the reference itself (a part it refuses, CBOR it cannot read) is a reply
// {"error": "..."}, a malformed request exits with status 2:
//   decode                  {parts}                      -> {type, cbor_hex, parts_used} (parts fed in the given order)
//   encode                  {type, cbor_hex, max_fragment?, min_fragment?, first_seq_num?, count?}
//                                                        -> {parts, fragment_count} (count defaults to fragment_count)
//   eth_sign_request_decode {cbor_hex} or {parts}        -> {request_id, sign_data_hex, data_type, chain_id,
//                                                            derivation_path, source_fingerprint, address_hex, origin}
//   eth_sign_request_encode those fields                 -> {cbor_hex, ur}
//   eth_signature_encode    {request_id, signature_hex, origin?} -> {cbor_hex, ur}
//   eth_signature_decode    {cbor_hex} or {parts}        -> {request_id, signature_hex, origin}
//   hdkey_encode            {seed_hex, path, children? ("m/0/*" unless null), chain_code? (false: none), name?, note?}
//                                                        -> {cbor_hex, ur, key_hex, chain_code_hex, xpub,
//                                                            origin_path, source_fingerprint, parent_fingerprint,
//                                                            children_path, name, note, key_address, address_0_0}
//   hdkey_decode            {cbor_hex} or {parts}        -> {key_hex, chain_code_hex, xpub, origin_path,
//                                                            source_fingerprint, parent_fingerprint, children_path,
//                                                            name, note, is_master, is_private}
//   account_encode          {seed_hex, paths, scripts?, children?, chain_code?, name?, note?}
//                                                        -> {cbor_hex, ur, master_fingerprint, keys: [{..., key_address}]}
//   account_decode          {cbor_hex} or {parts}        -> {master_fingerprint, outputs: [{scripts, key}]}
//   bench_decode            {parts, repeat, warmup?}     -> {seconds, bytes, repeat, parts_used} (`repeat` decodes,
//                                                            each reading parts until complete; timed here so Node's
//                                                            start and module loading are not counted)
//   batch                   {requests: [...]}            -> {replies: [...]}
// Paths are text such as "m/44'/60'/0'/0/0" (the registry's own text has no "m/"; it is added here); fingerprints
// are 8 hex digits; a field the item does not carry is null.

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const { UR, UREncoder, URDecoder } = require("@ngraveio/bc-ur");
// Keystone's registries and their helpers take about half a second to load: only the ops that need them do.
let loaded;
const keystone = () => {
  loaded ??= {
    ...require("@keystonehq/bc-ur-registry"),
    ...require("@keystonehq/bc-ur-registry-eth"),
    uuid: require("uuid"),
    HDKey: require("hdkey"),
    ethUtil: require("@ethereumjs/util"),
  };
  return loaded;
};

class BadRequest extends Error {}

const hex = (buffer) => (buffer === undefined || buffer === null ? null : Buffer.from(buffer).toString("hex"));
const bytes = (text, name) => {
  if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) throw new BadRequest(`${name} must be hex`);
  return Buffer.from(text, "hex");
};
const pathText = (keypath) => {
  if (!keypath) return null;
  const path = keypath.getPath();
  return path === undefined ? "m" : `m/${path}`;
};

function keypath(text, fingerprintHex) {
  const { CryptoKeypath, PathComponent } = keystone();
  if (typeof text !== "string" || !/^[mM](\/\d+'?|\/\*'?)*$/.test(text)) throw new BadRequest(`bad path ${text}`);
  const components = text.split("/").slice(1).map((part) => {
    const hardened = part.endsWith("'");
    const index = part.replace("'", "");
    return index === "*" ? new PathComponent({ hardened }) : new PathComponent({ index: Number(index), hardened });
  });
  return new CryptoKeypath(components, fingerprintHex ? bytes(fingerprintHex, "fingerprint") : undefined);
}

// The CBOR of a request: given directly, or decoded from UR parts by the reference decoder (type checked).
function payload(request, type) {
  if (request.cbor_hex !== undefined) return bytes(request.cbor_hex, "cbor_hex");
  const decoded = decodeParts(request.parts);
  if (decoded.error) throw new Error(decoded.error);
  if (decoded.type !== type) throw new Error(`expected a ${type} UR, got ${decoded.type}`);
  return Buffer.from(decoded.cbor_hex, "hex");
}

function decodeParts(parts) {
  if (!Array.isArray(parts) || parts.length === 0) throw new BadRequest("parts must be a non-empty list");
  const decoder = new URDecoder();
  let used = 0;
  try {
    for (const part of parts) {
      used += 1;
      decoder.receivePart(part);
      if (decoder.isComplete()) break;
    }
  } catch (error) {
    return { error: `reference decoder refused part ${used}: ${error.message || error}` };
  }
  if (decoder.isError()) return { error: `reference decoder failed: ${decoder.resultError()}` };
  if (!decoder.isComplete()) {
    return { error: `incomplete after ${used} parts (${Math.round(decoder.estimatedPercentComplete() * 100)}%)` };
  }
  const ur = decoder.resultUR();
  return { type: ur.type, cbor_hex: hex(ur.cbor), parts_used: used };
}

function encode(request) {
  const ur = new UR(bytes(request.cbor_hex, "cbor_hex"), request.type);
  const encoder = new UREncoder(ur, request.max_fragment ?? 100, request.first_seq_num ?? 0, request.min_fragment ?? 10);
  const count = request.count ?? encoder.fragmentsLength;
  const parts = [];
  for (let i = 0; i < count; i += 1) parts.push(encoder.nextPart());
  return { parts, fragment_count: encoder.fragmentsLength };
}

function signRequestFields(item) {
  const { uuid } = keystone();
  const requestId = item.getRequestId();
  const chainId = item.getChainId();
  return {
    request_id: requestId ? uuid.stringify(requestId) : null,
    sign_data_hex: hex(item.getSignData()),
    data_type: item.getDataType(),
    chain_id: chainId === undefined ? null : chainId,
    derivation_path: item.getDerivationPath() === undefined ? "m" : `m/${item.getDerivationPath()}`,
    source_fingerprint: hex(item.getSourceFingerprint()),
    address_hex: hex(item.getSignRequestAddress()),
    origin: item.getOrigin() ?? null,
  };
}

function encodeSignRequest(request) {
  const { EthSignRequest } = keystone();
  // Keystone's own constructor for wallets (MetaMask's Keystone keyring builds its requests with it).
  const item = EthSignRequest.constructETHRequest(
    bytes(request.sign_data_hex, "sign_data_hex"),
    request.data_type,
    request.derivation_path,
    request.source_fingerprint,
    request.request_id ?? undefined,
    request.chain_id ?? undefined,
    request.address_hex ? `0x${request.address_hex}` : undefined,
    request.origin ?? undefined,
  );
  return { cbor_hex: hex(item.toCBOR()), ur: UREncoder.encodeSinglePart(item.toUR()) };
}

function encodeSignature(request) {
  const { ETHSignature, uuid } = keystone();
  const requestId = request.request_id ? Buffer.from(uuid.parse(request.request_id)) : undefined;
  const item = new ETHSignature(bytes(request.signature_hex, "signature_hex"), requestId, request.origin ?? undefined);
  return { cbor_hex: hex(item.toCBOR()), ur: UREncoder.encodeSinglePart(item.toUR()) };
}

function signatureFields(item) {
  const { uuid } = keystone();
  const requestId = item.getRequestId();
  return {
    request_id: requestId ? uuid.stringify(requestId) : null,
    signature_hex: hex(item.getSignature()),
    origin: item.getOrigin() ?? null,
  };
}

function hdkeyFields(item) {
  const origin = item.getOrigin();
  return {
    key_hex: hex(item.getKey()),
    chain_code_hex: hex(item.getChainCode()),
    xpub: item.getChainCode() ? item.getBip32Key() : null,
    origin_path: pathText(origin),
    source_fingerprint: origin ? hex(origin.getSourceFingerprint()) : null,
    parent_fingerprint: hex(item.getParentFingerprint()),
    children_path: pathText(item.getChildren()),
    name: item.getName() ?? null,
    note: item.getNote() ?? null,
    is_master: Boolean(item.isMaster()),
    is_private: Boolean(item.isPrivateKey()),
  };
}

const fingerprint = (node) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(node.fingerprint >>> 0, 0);
  return buffer;
};

// An account-level public key as a hardware wallet exports it: derived with hdkey from the seed, origin with the
// master fingerprint, the parent fingerprint, and (by default) children 0/* as Keystone's Ethereum export has.
function derivedHDKey(seed, path, request) {
  const { CryptoHDKey, HDKey } = keystone();
  const master = HDKey.fromMasterSeed(seed);
  const node = master.derive(path);
  const parent = path.split("/").length > 2 ? master.derive(path.split("/").slice(0, -1).join("/")) : master;
  const children = request.children === null ? undefined : keypath(request.children ?? "m/0/*");
  const item = new CryptoHDKey({
    isMaster: false,
    key: node.publicKey,
    chainCode: request.chain_code === false ? undefined : node.chainCode,
    origin: keypath(path, hex(fingerprint(master))),
    children,
    parentFingerprint: fingerprint(parent),
    name: request.name ?? undefined,
    note: request.note ?? undefined,
  });
  return { item, node };
}

const address = (publicKey) => {
  const { ethUtil } = keystone();
  return ethUtil.toChecksumAddress(`0x${hex(ethUtil.publicToAddress(publicKey, true))}`);
};

function encodeHDKey(request) {
  const { item, node } = derivedHDKey(bytes(request.seed_hex, "seed_hex"), request.path, request);
  const xpub = item.getBip32Key();
  if (xpub !== node.publicExtendedKey) throw new Error(`registry xpub ${xpub} != hdkey ${node.publicExtendedKey}`);
  return {
    cbor_hex: hex(item.toCBOR()),
    ur: UREncoder.encodeSinglePart(item.toUR()),
    ...hdkeyFields(item),
    key_address: address(node.publicKey),
    address_0_0: address(node.derive("m/0/0").publicKey),
  };
}

// Script expressions by name (pkh, wpkh, ...); none gives the outputs as plain tagged crypto-hdkeys, the shape of
// Keystone's Ledger Live export (one key per account, m/44'/60'/N'/0/0, no chain code: pass chain_code false).
function encodeAccount(request) {
  const { CryptoAccount, CryptoOutput, HDKey, ScriptExpressions } = keystone();
  const seed = bytes(request.seed_hex, "seed_hex");
  const master = HDKey.fromMasterSeed(seed);
  const scripts = (request.scripts ?? []).map((name) => {
    const script = Object.values(ScriptExpressions).find((s) => s.getExpression() === name);
    if (!script) throw new BadRequest(`unknown script expression ${name}`);
    return script;
  });
  const derived = request.paths.map((path) => derivedHDKey(seed, path, request));
  const item = new CryptoAccount(fingerprint(master), derived.map(({ item: key }) => new CryptoOutput(scripts, key)));
  return {
    cbor_hex: hex(item.toCBOR()),
    ur: UREncoder.encodeSinglePart(item.toUR()),
    master_fingerprint: hex(fingerprint(master)),
    keys: derived.map(({ item: key, node }) => ({ ...hdkeyFields(key), key_address: address(node.publicKey) })),
  };
}

function accountFields(item) {
  return {
    master_fingerprint: hex(item.getMasterFingerprint()),
    outputs: item.getOutputDescriptors().map((output) => ({
      scripts: output.getScriptExpressions().map((script) => script.getExpression()),
      key: output.getHDKey() ? hdkeyFields(output.getHDKey()) : null,
    })),
  };
}

function benchDecode(request) {
  const { parts } = request;
  const repeat = request.repeat ?? 1;
  let used = 0;
  const once = () => {
    const decoder = new URDecoder();
    used = 0;
    for (const part of parts) {
      used += 1;
      decoder.receivePart(part);
      if (decoder.isComplete()) break;
    }
    if (!decoder.isSuccess()) throw new Error("the parts do not decode");
    return decoder.resultUR().cbor.length;
  };
  for (let i = 0; i < (request.warmup ?? 1); i += 1) once();
  let total = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeat; i += 1) total += once();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, bytes: total, repeat, parts_used: used };
}

const OPS = {
  decode: (r) => decodeParts(r.parts),
  encode,
  eth_sign_request_decode: (r) => signRequestFields(keystone().EthSignRequest.fromCBOR(payload(r, "eth-sign-request"))),
  eth_sign_request_encode: encodeSignRequest,
  eth_signature_encode: encodeSignature,
  eth_signature_decode: (r) => signatureFields(keystone().ETHSignature.fromCBOR(payload(r, "eth-signature"))),
  hdkey_encode: encodeHDKey,
  hdkey_decode: (r) => hdkeyFields(keystone().CryptoHDKey.fromCBOR(payload(r, "crypto-hdkey"))),
  account_encode: encodeAccount,
  account_decode: (r) => accountFields(keystone().CryptoAccount.fromCBOR(payload(r, "crypto-account"))),
  bench_decode: benchDecode,
  batch: (r) => ({ replies: r.requests.map(answer) }),
};

function answer(request) {
  const op = OPS[request?.op];
  if (!op) throw new BadRequest(`unknown op ${JSON.stringify(request?.op)}`);
  try {
    return op(request);
  } catch (error) {
    if (error instanceof BadRequest) throw error;
    return { error: `${request.op}: ${error.message || error}` };
  }
}

try {
  const reply = answer(JSON.parse(readFileSync(0, "utf8")));
  process.stdout.write(JSON.stringify(reply));
} catch (error) {
  process.stderr.write(`node_ur.mjs: ${error.stack || error}\n`);
  process.exit(2);
}
