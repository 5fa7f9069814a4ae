// The topology checks of a component whose args may be Outputs. When the VIP
// and every host address are plain, the checks run as the component is
// constructed, so a bad topology fails the preview before any child is
// registered. When some are Outputs (a VM another provider makes in the same
// program), the checks run once those resolve, inside the VIP the children
// take: a bad topology then fails every child that carries the VIP.
import * as pulumi from "@pulumi/pulumi";
import { assertTopology, HostAddresses, vipNotOwned } from "../checks";
import { ClusterHost, knownAddresses } from "../hosts";

/** A value given as it is (not an Output or a Promise). */
function isPlain(v: unknown): boolean {
  return !pulumi.Output.isInstance(v) && !(v instanceof Promise);
}

/**
 * The VIP the children of `component` take, checked: it is none of `hosts`'
 * addresses, and `more` (given the VIP and the hosts' addresses, in order)
 * finds nothing.
 */
export function checkedVip(
  component: string,
  vip: pulumi.Input<string>,
  hosts: Pick<ClusterHost, "name" | "addresses" | "address">[],
  more: (vip: string, known: HostAddresses[]) => string[] = () => [],
): pulumi.Input<string> {
  const check = (v: string, known: HostAddresses[]) => assertTopology(component, [...vipNotOwned(v, known), ...more(v, known)]);
  if (typeof vip === "string" && hosts.every((h) => isPlain(h.address))) {
    check(vip, hosts.map(knownAddresses));
    return vip;
  }
  return pulumi.all([vip, ...hosts.map((h) => h.address ?? "")]).apply(([v, ...addresses]) => {
    check(
      v,
      hosts.map((h, i) => knownAddresses({ ...h, address: addresses[i] || undefined })),
    );
    return v;
  });
}
