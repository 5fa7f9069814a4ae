// Transport errors name the host, the command and what happened.
import { strict as assert } from "node:assert";
import { commandError, targetOf } from "../../providers/transport/types";

describe("transport errors", () => {
  it("a command that exited non-zero: host, command, exit code and stderr", () => {
    const e = commandError("root@127.0.0.1:2201", "ipvsadm -A -t 1.2.3.4:80", 2, "Service already exists\n");
    assert.equal(e.message, 'ssh root@127.0.0.1:2201: "ipvsadm -A -t 1.2.3.4:80" exited 2: Service already exists');
    assert.equal(e.code, 2);
  });

  it("a session cut before an exit status says so instead of 'exited -1'", () => {
    const e = commandError(targetOf({ host: "127.0.0.1", port: 2201 }), "ipvsadm -Sn", -1, "");
    assert.match(
      e.message,
      /^ssh root@127\.0\.0\.1:2201: "ipvsadm -Sn" was cut off: the SSH session closed before the command reported an exit status/,
    );
  });
});
