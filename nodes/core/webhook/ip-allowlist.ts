import { BlockList, isIP } from 'node:net';

export type AllowlistParse = { ok: true; allowlist: IpAllowlist | undefined } | { ok: false; detail: string };

/** A source-address allowlist from CIDR ranges or single addresses, IPv4 and IPv6. */
export class IpAllowlist {
  private constructor(private readonly list: BlockList) {}

  /** Parses "10.0.0.0/8, 192.168.1.7\n2001:db8::/32"; an empty text means no allowlist (every source allowed). */
  static parse(text: string): AllowlistParse {
    const entries = text
      .split(/[\s,;]+/)
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (entries.length === 0) return { ok: true, allowlist: undefined };
    const list = new BlockList();
    for (const entry of entries) {
      const [address = '', prefixText] = entry.split('/');
      const family = isIP(address);
      if (family === 0) return { ok: false, detail: `"${entry}" is not an IP address or CIDR range` };
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefixText === undefined) {
        list.addAddress(address, type);
        continue;
      }
      const prefix = Number(prefixText);
      if (!/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
        return { ok: false, detail: `"${entry}" has an invalid prefix length` };
      }
      list.addSubnet(address, prefix, type);
    }
    return { ok: true, allowlist: new IpAllowlist(list) };
  }

  allows(remoteAddress: string | undefined): boolean {
    if (!remoteAddress) return false;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const address = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}
