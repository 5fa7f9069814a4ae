// `npm run lab -- <command>`: the lab from the command line.
import { cut, down, exec, heal, reset, ssh, start, status, stop, up } from "./lab";
import { presets } from "./presets";

const usage = `usage: npm run lab -- <command>
  up <preset> [--cold]     start the lab (${Object.keys(presets).join(", ")}), replacing a running one:
                           restored from the preset's saved state in seconds, or booted (and saved) the
                           first time; --cold boots and saves anew
  reset                    put every host of the running lab back to its bare state (the saved state)
  down                     stop the lab; nothing it started keeps running
  status [--json]          the running lab, its hosts and the inventory path
  ssh <host> [cmd...]      an SSH session into a host
  exec <host> -- <cmd...>  run a command in a host; its output and exit code pass through
  stop <host> | start <host>   power a host off / on (kernel state resets, files stay)
  cut <hostA> <hostB>      drop all traffic between two hosts
  heal                     restore what cut dropped`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "up": {
      const cold = rest.includes("--cold");
      const names = rest.filter((a) => a !== "--cold");
      if (names.length !== 1) break;
      const r = await up(names[0], { cold });
      const save = r.seconds.save === undefined ? "" : `, saved in ${r.seconds.save.toFixed(1)}s`;
      console.log(
        `lab ${r.state.preset} is up (${r.mode}): VM ${r.seconds.vm.toFixed(1)}s, hosts ${r.seconds.hosts.toFixed(1)}s, total ${r.seconds.total.toFixed(1)}s${save}`,
      );
      for (const h of Object.values(r.inventory.hosts)) {
        console.log(
          `  ${h.name.padEnd(10)} ssh -p ${h.port} root@127.0.0.1   ${Object.entries(h.addresses)
            .map(([n, a]) => `${n} ${a}`)
            .join(", ")}`,
        );
      }
      console.log(`inventory: ${status().inventory}`);
      return 0;
    }
    case "reset": {
      if (rest.length !== 0) break;
      const r = await reset();
      console.log(`lab reset in ${r.seconds.toFixed(1)}s`);
      return 0;
    }
    case "down":
      console.log((await down()) ? "lab stopped" : "no lab was running");
      return 0;
    case "status": {
      const s = status();
      if (rest[0] === "--json") {
        console.log(JSON.stringify(s, null, 2));
      } else if (!s.running) {
        console.log("no lab is running");
      } else {
        console.log(`lab ${s.preset} (qemu pid ${s.qemuPid}, ${s.qemuRssMiB ?? "?"} MiB resident, since ${s.startedAt})`);
        for (const h of s.hosts) console.log(`  ${h.name.padEnd(10)} port ${h.port}  ${h.running ? "running" : "stopped"}`);
        console.log(`inventory: ${s.inventory}`);
      }
      return 0;
    }
    case "ssh":
      if (rest.length < 1) break;
      return ssh(rest[0], rest.slice(1));
    case "exec": {
      const sep = rest.indexOf("--");
      if (rest.length < 3 || sep !== 1) break;
      const r = exec(rest[0], rest.slice(2).join(" "));
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code;
    }
    case "stop":
      if (rest.length !== 1) break;
      stop(rest[0]);
      return 0;
    case "start":
      if (rest.length !== 1) break;
      await start(rest[0]);
      return 0;
    case "cut":
      if (rest.length !== 2) break;
      cut(rest[0], rest[1]);
      return 0;
    case "heal":
      heal();
      return 0;
  }
  console.error(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`lab: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
