import type { HttpResponse } from './node-red';

/** Answers with a JSON body, never cached (webhook answers and the editor's admin endpoints alike). */
export function replyJson(
  res: HttpResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}
