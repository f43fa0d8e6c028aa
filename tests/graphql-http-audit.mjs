// Runs every server audit of the `graphql-http` package (the GraphQL-over-HTTP specification's
// conformance audits) against a running server and prints the results as JSON, one object per
// audit: { id, name, status: "ok" | "notice" | "warn" | "error", reason? }.
//
//   node tests/graphql-http-audit.mjs http://127.0.0.1:8080/graphql
//
// `graphql-http` is resolved from NODE_PATH (the suite installs it into
// ~/.cache/jiayuan/graphql-http, as `./dev setup` does).
import { createRequire } from 'node:module';
import path from 'node:path';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-http-audit.mjs URL');
  process.exit(2);
}
const require = createRequire(path.join(process.cwd(), 'noop.js'));
const { serverAudits } = require('graphql-http');

const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const out = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    out.reason = result.reason;
    out.httpStatus = result.response?.status;
    try {
      out.body = (await result.response.text()).slice(0, 500);
    } catch {
      // the body was read by the audit already
    }
  }
  results.push(out);
}
console.log(JSON.stringify(results));
