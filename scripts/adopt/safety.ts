// adopt's safety net: the generated program's first `up` may only adopt.
// Adoption shows in a preview as a create whose inputs carry the import id
// (ADOPT_KEY; see providers/common/define.ts for why it is not the engine's
// own "import" step). Anything else (a create without an id, an update, a
// replace, a delete) would change a host, and is reported with why. A
// component's create changes no host (its children are the steps that do).
import { ADOPT_KEY } from "../../providers/common/define";
import { Step } from "../review/core";

export interface Unsafe {
  op: string;
  name: string;
  type: string;
  why: string;
}

const WHY: Record<string, string> = {
  create: "a new object on its host: the program declares something discovery did not find (or its import option was removed)",
  update: "the program differs from what the stack's state holds: an edit made before the first up",
  replace: "an identity field differs from the state: the object would be deleted and made again",
  delete: "in the stack's state but not in the program: up would remove it from its host",
};

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The steps of a preview that are not adoptions (nor "same"), with why each would change a host. */
export function unsafeSteps(steps: Step[]): Unsafe[] {
  const out: Unsafe[] = [];
  for (const s of steps) {
    if (s.type === "pulumi:pulumi:Stack" || s.type.startsWith("pulumi:providers:") || s.op === "same") continue;
    if (s.op === "create" && typeof s.new?.inputs?.[ADOPT_KEY] === "string") continue;
    // A component (DrCluster) is no object on a host: creating it changes nothing, its children are checked.
    // (The engine's event leaves `custom` out when it is false.)
    if (s.op === "create" && s.new !== undefined && s.new.custom !== true) continue;
    const op = s.op.includes("replace") ? "replace" : s.op;
    out.push({ op, name: nameOf(s.urn), type: s.type.replace(/^.*:/, ""), why: WHY[op] ?? `step ${s.op}` });
  }
  return out;
}

/** How many steps adopt an object. */
export function adoptions(steps: Step[]): number {
  return steps.filter((s) => s.op === "create" && typeof s.new?.inputs?.[ADOPT_KEY] === "string").length;
}
