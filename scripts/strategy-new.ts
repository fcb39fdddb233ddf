/**
 * `npm run strategy:new -- NAME` writes a commented, working strategy template into STRATEGIES_DIR
 * (default ./strategies) as NAME.ts, registered under the kind NAME, and checks that it loads.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../server/config";
import { configureUserStrategies, loadUserStrategies } from "../server/strategy";
import { KIND_NAME, strategyTemplate } from "../server/strategy/user/template";

const name = process.argv.slice(2).find((a) => !a.startsWith("--"));
if (!name || !KIND_NAME.test(name)) {
  console.error(`usage: npm run strategy:new -- NAME   (NAME: lower case letters, digits, "-" or "_", starting with a letter; got ${JSON.stringify(name ?? "")})`);
  process.exit(2);
}
let dir = process.env.STRATEGIES_DIR;
try {
  dir ??= loadConfig().server.strategiesDir;
} catch {
  // a config problem elsewhere does not stop writing a template
}
dir = path.resolve(dir ?? "./strategies");
const file = path.join(dir, `${name}.ts`);
if (existsSync(file)) {
  console.error(`${file} already exists: pick another name or edit that file`);
  process.exit(1);
}
mkdirSync(dir, { recursive: true });
writeFileSync(file, strategyTemplate(name));
configureUserStrategies({ dir });
const status = loadUserStrategies();
const problem = status.errors.find((e) => e.file === file);
if (problem) {
  console.error(`wrote ${file}, but it does not load: ${problem.name}${problem.line ? `:${problem.line}` : ""}: ${problem.message}`);
  process.exit(1);
}
console.log(`wrote ${path.relative(process.cwd(), file) || file}: strategy kind "${name}"`);
console.log(`next: edit it, then  npm run strategy:check -- ${name}  and restart the server (npm run dev reloads it on save)`);
