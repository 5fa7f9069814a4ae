// Pulumi.yaml's main: the program is index.ts, loaded through the compile
// cache (providers/common/tsCache.js) instead of ts-node, so that a `pulumi`
// command does not load the TypeScript compiler and compile the program again
// each time it starts.
"use strict";
require("./providers/common/tsCache.js").register();
module.exports = require("./index.ts");
