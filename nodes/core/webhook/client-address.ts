/**
 * Whether to trust the hop at `address`, `hop` hops from this server (0 = the socket's peer): Express's compiled
 * "trust proxy" setting (`app.get('trust proxy fn')`), which Node-RED sets from settings.js `httpServerOptions`.
 */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * The client's address as Express's `req.ip` computes it: the socket's peer, or, through each hop the trust
 * setting trusts, the next address of X-Forwarded-For from the right. Never further: the addresses to the left
 * of the first untrusted one are whatever the client wrote.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxy,
): string | undefined {
  if (socketAddress === undefined || !forwardedFor) return socketAddress;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const hops = [
    socketAddress,
    ...header
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean)
      .reverse(),
  ];
  for (let hop = 0; hop < hops.length - 1; hop++) {
    if (!trust(hops[hop] as string, hop)) return hops[hop];
  }
  return hops[hops.length - 1];
}
