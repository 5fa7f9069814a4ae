// The TomcatApp core: descriptor names, golden context files, a table of
// refused inputs, XML escaping and unknown values at preview.
import { strict as assert } from "node:assert";
import { goldenFor } from "../support/golden";
import { UNKNOWN } from "../../providers/common/check";
import { checkTomcatApp, contextFileName, renderTomcatContext, TomcatAppSpec, xmlAttr } from "../../providers/tomcat/core";

const golden = goldenFor("tomcat");

const conn = { host: "192.168.118.50" };

const INDEX_JSP = `<%@ page language="java" import="java.util.*" pageEncoding="UTF-8"%>
<html>
<head>
<title>JSP test1 page</title>
</head>
<body>
<% out.println("this is tomcat1,http://www.test1.com");%>
</body>
</html>
`;

/** The seed's tomcat1: the root context serving index.jsp (docBase moved out of the appBase). */
const SEED: TomcatAppSpec = { name: "test", path: "", docBase: "/srv/tomcat/test", files: { "index.jsp": INDEX_JSP } };

const NESTED: TomcatAppSpec = {
  name: "shop-v2",
  path: "/shop/v2",
  docBase: "/srv/tomcat/shop_v2",
  files: { "index.jsp": '<% out.println("shop"); %>\n', "WEB-INF/web.xml": "<web-app/>\n", "static/app.css": "body{}\n" },
  reloadable: false,
};

describe("TomcatApp core", () => {
  it("names context descriptors as tomcat does", () => {
    assert.equal(contextFileName(""), "ROOT.xml");
    assert.equal(contextFileName("/shop"), "shop.xml");
    assert.equal(contextFileName("/a/b"), "a#b.xml");
    assert.equal(contextFileName("/shop/v2.1"), "shop#v2.1.xml");
    assert.throws(() => contextFileName("/a/../b"), /invalid tomcat context path/);
    assert.throws(() => contextFileName("shop"), /invalid tomcat context path/);
  });

  it("renders the seed's root context", () => {
    assert.deepEqual(checkTomcatApp({ connection: conn, ...SEED }), []);
    const text = renderTomcatContext(SEED);
    golden("seed-root.xml", text);
    assert.match(text, /^<Context docBase="\/srv\/tomcat\/test" reloadable="true" \/>$/m);
  });

  it("renders a nested context", () => {
    assert.deepEqual(checkTomcatApp({ connection: conn, ...NESTED }), []);
    golden("nested-shop-v2.xml", renderTomcatContext(NESTED));
  });

  it("keeps the managed-by comment valid XML for names with dashes", () => {
    const text = renderTomcatContext({ ...SEED, name: "a--b-" });
    const comment = /<!--(.*)-->/.exec(text);
    assert.ok(comment);
    assert.ok(!comment[1].includes("--") && !comment[1].endsWith("-"), text);
  });

  it("escapes XML attribute values", () => {
    assert.equal(xmlAttr(`a"b<c>&'d\n`), "a&quot;b&lt;c&gt;&amp;&apos;d&#10;");
  });

  const base = (): Record<string, unknown> => ({
    connection: conn,
    name: "test",
    path: "",
    docBase: "/srv/tomcat/test",
    files: { "index.jsp": "x" },
  });
  const invalid: [string, Record<string, unknown>, string, string][] = [
    ["a name with a space", { name: "my app" }, "name", "1..64 letters"],
    ["a missing path", { path: undefined }, "path", "path is required"],
    ["a path without a leading slash", { path: "shop" }, "path", `must be "" (the root context)`],
    ["a path with a trailing slash", { path: "/shop/" }, "path", "no trailing '/'"],
    ["a path with ..", { path: "/a/../b" }, "path", `".." segments`],
    ["a path with a quote", { path: '/a"b' }, "path", "letters, digits"],
    ["the path /ROOT", { path: "/ROOT" }, "path", "collides with the root context"],
    ["a relative docBase", { docBase: "srv/test" }, "docBase", "must be an absolute directory"],
    ["docBase /", { docBase: "/" }, "docBase", `not "/"`],
    ["a docBase with ..", { docBase: "/srv/../etc" }, "docBase", `".." segments`],
    ["a docBase breaking the attribute", { docBase: '/srv/x" path="/evil' }, "docBase", "must be an absolute directory"],
    ["a docBase in /etc", { docBase: "/etc/tomcat10" }, "docBase", "system directory /etc"],
    ["a docBase in the appBase", { docBase: "/var/lib/tomcat10/webapps/test" }, "docBase", "inside tomcat's appBase"],
    ["no files", { files: {} }, "files", "non-empty map"],
    ["files as a list", { files: ["index.jsp"] }, "files", "non-empty map"],
    ["a file outside docBase", { files: { "../x": "x" } }, `files["../x"]`, "relative to docBase"],
    ["an absolute file path", { files: { "/etc/passwd": "x" } }, `files["/etc/passwd"]`, "no leading '/'"],
    ["a file path with a newline", { files: { "a\nb.jsp": "x" } }, `files["a\\nb.jsp"]`, "relative to docBase"],
    ["a file content that is not a string", { files: { "index.jsp": 1 } }, `files["index.jsp"]`, "content as a string"],
    [
      "a file that must also be a directory",
      { files: { static: "x", "static/a.css": "y" } },
      `files["static"]`,
      "needs it to be a directory",
    ],
    ["a string reloadable", { reloadable: "true" }, "reloadable", "true or false"],
    ["a missing connection", { connection: undefined }, "connection", "connection is required"],
  ];

  for (const [what, edit, property, fragment] of invalid) {
    it(`refuses ${what}`, () => {
      const i = { ...base(), ...edit };
      const f = checkTomcatApp(i);
      assert.ok(
        f.some((x) => x.property === property && x.reason.includes(fragment)),
        `expected a failure at ${property} with ${JSON.stringify(fragment)}; got ${JSON.stringify(f, null, 1)}`,
      );
    });
  }

  it("accepts the base input of the invalid table, and file contents are free", () => {
    assert.deepEqual(checkTomcatApp(base()), []);
    assert.deepEqual(checkTomcatApp({ ...base(), files: { "index.jsp": `"; </Context><Context docBase="/" -->\n$(reboot)` } }), []);
  });

  it("render refuses what check refuses", () => {
    assert.throws(() => renderTomcatContext({ ...SEED, docBase: '/srv/x"/><Valve' }), /invalid TomcatApp: docBase must be/);
  });

  it("skips unknown values anywhere (preview)", () => {
    assert.deepEqual(
      checkTomcatApp({ connection: UNKNOWN, name: UNKNOWN, path: UNKNOWN, docBase: UNKNOWN, files: UNKNOWN, reloadable: UNKNOWN }),
      [],
    );
    assert.deepEqual(
      checkTomcatApp({ connection: { host: UNKNOWN }, name: "a", path: "/a", docBase: "/srv/a", files: { "index.jsp": UNKNOWN } }),
      [],
    );
  });
});
