// Independent bundle verification with sigstore-js (@sigstore/verify), for
// .ci/test.d/82-sigstore-js.sh.
//
//   node verify.cjs --bundle B --trusted-root TR --identity SAN --issuer ISS [--artifact FILE]
//
// Without --artifact the bundle must be a DSSE bundle (its envelope
// signature is checked; the statement's subjects are not matched here).
// Exit 0: verified; 1: refused (reason on stderr); 2: usage.
'use strict';
const fs = require('fs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

function main(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      console.error('usage: verify.cjs --bundle B --trusted-root TR --identity SAN --issuer ISS [--artifact FILE]');
      return 2;
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['bundle', 'trusted-root', 'identity', 'issuer']) {
    if (!args[k]) {
      console.error(`missing --${k}`);
      return 2;
    }
  }
  try {
    const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(args.bundle, 'utf8')));
    const trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(args['trusted-root'], 'utf8'))));
    const artifact = args.artifact ? fs.readFileSync(args.artifact) : undefined;
    const entity = toSignedEntity(bundle, artifact);
    const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
    const signer = verifier.verify(entity, { subjectAlternativeName: args.identity, extensions: { issuer: args.issuer } });
    console.log(`sigstore-js: verified ${args.bundle} (${bundle.content.$case}) signed by ${args.identity}`);
    return 0;
  } catch (e) {
    console.error(`sigstore-js: refused ${args.bundle}: ${e.code || ''} ${e.message}`);
    return 1;
  }
}

process.exit(main(process.argv.slice(2)));
