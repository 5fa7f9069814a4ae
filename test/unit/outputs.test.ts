// The stacks' end-to-end check: the script the client runs and its summary.
import { strict as assert } from "node:assert";
import { checkScript, summarizeCheck, vipUrl } from "../../stacks/outputs";

describe("end-to-end check", () => {
  it("requests the URL N times, one line per answer or FAILED", () => {
    assert.equal(
      checkScript("http://12.0.0.20/", 3),
      `for i in $(seq 1 3); do if r=$(curl -s -m 3 http://12.0.0.20/); then printf '%s\\n' "$r" | head -n 1; else echo "FAILED (curl exit $?)"; fi; done`,
    );
    assert.match(checkScript("http://x/a'b", 1), /curl -s -m 3 'http:\/\/x\/a'\\''b'\)/, "the URL is one quoted shell word");
    assert.equal(vipUrl("192.168.118.100", "/index.jsp"), "http://192.168.118.100/index.jsp");
    assert.match(checkScript("http://x/a'b", 1), /curl -s -m 3 'http:\/\/x\/a'\\''b'\)/, "the URL is one quoted shell word");
    assert.equal(vipUrl("192.168.118.100", "/", 8080), "http://192.168.118.100:8080/");
  });

  it("summarizes answers by server, counting failures out", () => {
    assert.equal(
      summarizeCheck("this is nginx1\nthis is nginx2\nthis is nginx1\n", 3),
      "3/3 answered (this is nginx1: 2, this is nginx2: 1)",
    );
    assert.equal(summarizeCheck("FAILED (curl exit 28)\nthis is nginx2\n", 2), "1/2 answered (this is nginx2: 1)");
    assert.equal(summarizeCheck("", 10), "0/10 answered");
  });
});
