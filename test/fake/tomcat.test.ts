// TomcatApp against a fake host: files and the context descriptor in the
// fake host's /srv and /etc, the restart through the systemctl stand-in, and
// the default readiness probe (an HTTP GET with curl) answered by the curl
// stand-in (/var/lib/fakehost/http.json sets the status per URL).
import * as assert from "node:assert/strict";
import { tomcatAppProvider } from "../../providers/tomcat/tomcatApp";
import { create, diff, fullDiff, InputsOf, read, remove, update, withFakeHost } from "./lifecycle";

describe("fake host: TomcatApp", () => {
  const host = withFakeHost();
  type In = InputsOf<typeof tomcatAppProvider>;
  const app = (over: Partial<In> = {}): In =>
    ({
      connection: host().connection,
      name: "shop",
      path: "/shop",
      docBase: "/srv/shop",
      files: { "index.jsp": "<%= 1 + 1 %>\n" },
      ...over,
    }) as In;
  const descriptor = "/etc/tomcat10/Catalina/localhost/shop.xml";
  const starts = async () => (await host().unit("tomcat10")).starts;
  const cat = async (p: string) => (await host().exec(`cat ${p}`)).stdout;

  before(async () => {
    await host().sh(
      "printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/tomcat10.service && mkdir -p /etc/tomcat10/Catalina/localhost",
    );
  });

  afterEach(async () => {
    await host().sh("rm -f /var/lib/fakehost/http.json");
  });

  it("creates files and descriptor, restarts Tomcat, waits for the page; updates in place; delete removes it all", async () => {
    const { id, outs } = await create(tomcatAppProvider, app());
    assert.equal(await cat("/srv/shop/index.jsp"), "<%= 1 + 1 %>\n");
    assert.match(await cat(descriptor), /docBase="\/srv\/shop"/);
    assert.match(await host().sh("grep curl /var/lib/fakehost/calls.log"), /http:\/\/127\.0\.0\.1:8080\/shop\/index\.jsp/);
    const started = await starts();
    assert.ok(started >= 1);
    assert.deepEqual(await diff(tomcatAppProvider, id, outs, app()), { changes: false, replaces: [] });
    const news = app({ files: { "index.jsp": "<%= 2 + 2 %>\n", "about.html": "about\n" } });
    assert.deepEqual(await diff(tomcatAppProvider, id, outs, news), { changes: true, replaces: [] });
    const after = await update(tomcatAppProvider, id, outs, news);
    assert.equal(await cat("/srv/shop/about.html"), "about\n");
    assert.equal(await starts(), started + 1);
    await remove(tomcatAppProvider, id, after);
    assert.equal((await host().exec("test -e /srv/shop || test -e " + descriptor)).code, 1);
  });

  it("adopts an identical app already in place without restarting Tomcat", async () => {
    const first = await create(tomcatAppProvider, app());
    const started = await starts();
    await create(tomcatAppProvider, app());
    assert.equal(await starts(), started);
    await remove(tomcatAppProvider, first.id, first.outs);
  });

  it("refuses an app that never answers, and takes it away again", async () => {
    await host().sh(`echo '{"*": 500}' > /var/lib/fakehost/http.json`);
    await assert.rejects(
      create(tomcatAppProvider, app({ readiness: { timeoutSeconds: 1 } })),
      /HTTP 500[\s\S]*files and descriptor were removed again/,
    );
    assert.equal((await host().exec("test -e /srv/shop/index.jsp || test -e " + descriptor)).code, 1);
  });

  it("shows a file edited by hand as drift on refresh; update puts it back", async () => {
    const { id, outs } = await create(tomcatAppProvider, app());
    await host().sh("echo hacked > /srv/shop/index.jsp");
    const r = await read(tomcatAppProvider, id, outs);
    assert.notDeepEqual(r.props.hashes, outs.hashes);
    assert.equal((await diff(tomcatAppProvider, id, r.props, app())).changes, true);
    const fixed = await update(tomcatAppProvider, id, r.props, app());
    assert.equal(await cat("/srv/shop/index.jsp"), "<%= 1 + 1 %>\n");
    await remove(tomcatAppProvider, id, fixed);
  });

  it("replaces on a new context path, deleting first", async () => {
    const { id, outs } = await create(tomcatAppProvider, app());
    const d = await fullDiff(tomcatAppProvider, id, outs, app({ path: "/store" }));
    assert.deepEqual(d.replaces, ["path"]);
    assert.equal(d.deleteBeforeReplace, true);
    await remove(tomcatAppProvider, id, outs);
  });
});
