// The stand-in's web page: the accepted messages as a DingTalk group shows them, newest first, refreshed every
// second from /api/messages. The message HTML is rendered (and escaped) by the server: see render.ts.

const STYLE = `
:root { color-scheme: light dark; --bg: #f2f3f5; --bubble: #fff; --ink: #171a1d; --muted: #858e99;
  --accent: #007fff; --line: #e5e6eb; --warn: #d46b08; }
@media (prefers-color-scheme: dark) { :root { --bg: #1f2023; --bubble: #2b2d31; --ink: #e8eaed; --muted: #9aa0a6;
  --line: #3c4043; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 -apple-system, "PingFang SC", "Microsoft JhengHei", "Noto Sans CJK SC", sans-serif;
  background: var(--bg); color: var(--ink); }
header { position: sticky; top: 0; background: var(--accent); color: #fff; padding: 10px 16px; z-index: 1; }
header h1 { font-size: 16px; margin: 0; }
header .stats { font-size: 12px; opacity: .9; }
main { max-width: 720px; margin: 0 auto; padding: 12px; }
.msg { display: flex; gap: 10px; margin: 14px 0; }
.avatar { flex: none; width: 36px; height: 36px; border-radius: 8px; background: var(--accent); color: #fff;
  display: grid; place-items: center; font-weight: 600; }
.meta { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
.bubble { background: var(--bubble); border-radius: 8px; padding: 10px 12px; max-width: 560px; overflow-wrap: anywhere; }
.bubble h1, .bubble h2, .bubble h3, .bubble h4, .bubble h5, .bubble h6 { margin: 4px 0; font-size: 15px; }
.bubble h1 { font-size: 18px; } .bubble h2 { font-size: 16px; }
.bubble p { margin: 4px 0; } .bubble img { max-width: 100%; }
.bubble blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid var(--line); color: var(--muted); }
.bubble pre { background: var(--bg); padding: 6px; overflow-x: auto; }
.bubble a { color: var(--accent); text-decoration: none; }
.mention { color: var(--accent); font-weight: 600; }
.notice { margin-top: 6px; font-size: 12px; color: var(--accent); }
.notice.warn { color: var(--warn); }
.card strong { display: block; margin-bottom: 4px; }
.card .row { display: flex; gap: 8px; align-items: flex-start; color: var(--muted); }
.card .pic { width: 60px; height: 60px; object-fit: cover; border-radius: 4px; }
.buttons { display: flex; border-top: 1px solid var(--line); margin-top: 8px; }
.buttons.vertical { flex-direction: column; }
.buttons a { flex: 1; text-align: center; padding: 8px; border-top: 1px solid var(--line); }
.feed-item { display: flex; gap: 8px; align-items: center; padding: 6px 0; border-bottom: 1px solid var(--line); color: var(--ink); }
.empty { text-align: center; color: var(--muted); margin-top: 40px; }
`;

const SCRIPT = `
const list = document.getElementById('list');
const stats = document.getElementById('stats');
let after = 0;
function pad(n) { return String(n).padStart(2, '0'); }
function time(ms) { const d = new Date(ms); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
function showStats(s) {
  const answers = Object.entries(s.answers).map(([code, n]) => code + ' × ' + n).join(', ');
  const throttled = s.robots.filter((r) => r.throttledUntil).map((r) => r.name + ' throttled until ' + time(r.throttledUntil));
  stats.textContent = s.accepted + ' accepted' + (answers ? ' · answers: ' + answers : '') +
    (throttled.length ? ' · ' + throttled.join(', ') : '') + (s.pendingFaults ? ' · ' + s.pendingFaults + ' faults queued' : '');
}
async function refresh() {
  try {
    const res = await fetch('/api/messages?after=' + after, { cache: 'no-store' });
    const data = await res.json();
    showStats(data.stats);
    if (data.stats.accepted < after) { after = 0; list.innerHTML = ''; }
    for (const m of data.messages) {
      after = Math.max(after, m.seq);
      const item = document.createElement('div');
      item.className = 'msg';
      const avatar = document.createElement('div');
      avatar.className = 'avatar';
      avatar.textContent = (m.robotName || 'R').slice(0, 1);
      const column = document.createElement('div');
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = m.robotName + ' ' + m.robot + ' · ' + m.msgtype + ' · ' + time(m.receivedAt) + (m.repeat ? ' · REPEAT msgUuid' : '');
      const bubble = document.createElement('div');
      bubble.className = 'bubble';
      bubble.innerHTML = m.html;
      column.append(meta, bubble);
      item.append(avatar, column);
      list.prepend(item);
    }
    document.getElementById('empty').hidden = list.childElementCount > 0;
  } catch (err) {
    stats.textContent = 'stand-in unreachable: ' + err;
  }
}
refresh();
setInterval(refresh, 1000);
`;

export function page(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DingTalk stand-in</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>DingTalk stand-in · 钉钉群</h1><div class="stats" id="stats">…</div></header>
<main><div id="list"></div><p class="empty" id="empty">No messages yet.</p></main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
