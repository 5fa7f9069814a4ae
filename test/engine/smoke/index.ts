// A tiny dynamic resource that keeps a file on the local machine: enough to
// prove the engine, the language host and the dynamic-provider shim together
// (create, read on refresh, diff on preview, delete on destroy).
import * as pulumi from "@pulumi/pulumi";

interface MarkerInputs {
  path: string;
  content: string;
}

const markerProvider: pulumi.dynamic.ResourceProvider<MarkerInputs, MarkerInputs> = {
  async create(inputs) {
    const fs = require("node:fs") as typeof import("node:fs");
    fs.writeFileSync(inputs.path, inputs.content);
    return { id: inputs.path, outs: inputs };
  },
  async read(id, props) {
    const fs = require("node:fs") as typeof import("node:fs");
    if (!fs.existsSync(id)) return { id: "", props };
    return { id, props: { path: id, content: fs.readFileSync(id, "utf8") } };
  },
  async diff(_id, olds, news) {
    const changes = olds.content !== news.content || olds.path !== news.path;
    return { changes, replaces: olds.path !== news.path ? ["path"] : [] };
  },
  async update(_id, _olds, news) {
    const fs = require("node:fs") as typeof import("node:fs");
    fs.writeFileSync(news.path, news.content);
    return { outs: news };
  },
  async delete(id) {
    const fs = require("node:fs") as typeof import("node:fs");
    fs.rmSync(id, { force: true });
  },
};

class Marker extends pulumi.dynamic.Resource {
  declare readonly content: pulumi.Output<string>;
  constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }) {
    super(markerProvider, name, { ...args }, {});
  }
}

const config = new pulumi.Config();
const marker = new Marker("marker", { path: config.require("markerPath"), content: config.require("content") });
export const content = marker.content;
