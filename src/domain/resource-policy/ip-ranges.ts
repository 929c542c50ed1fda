import ipaddr from "ipaddr.js";

/**
 * CIDR checks for `aws:SourceIp`. A range counts as the owner's own only when it lies wholly inside
 * a private range (RFC 1918, RFC 4193) or inside one of the ranges the operator configured.
 */

/** Ranges no request from the internet can carry as its source address. */
export const PRIVATE_RANGES: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
];

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** "203.0.113.5" is read as "203.0.113.5/32" (IAM accepts a bare address). */
export function parseCidr(value: string): Cidr | undefined {
  const text = value.trim();
  try {
    if (text.includes("/")) return ipaddr.parseCIDR(text);
    const address = ipaddr.parse(text);
    return [address, address.kind() === "ipv4" ? 32 : 128];
  } catch {
    return undefined;
  }
}

/** Whether every address of `inner` is inside `outer` (same family; IPv4-mapped IPv6 is IPv6). */
function within(inner: Cidr, outer: Cidr): boolean {
  const [address, bits] = inner;
  const [outerAddress, outerBits] = outer;
  if (address.kind() !== outerAddress.kind() || bits < outerBits) return false;
  return address.match(outerAddress, outerBits);
}

/** Whether the CIDR text lies wholly inside one of `ranges` (malformed text never does). */
export function cidrWithin(value: string, ranges: readonly string[]): boolean {
  const inner = parseCidr(value);
  if (inner === undefined) return false;
  return ranges.some((range) => {
    const outer = parseCidr(range);
    return outer !== undefined && within(inner, outer);
  });
}
