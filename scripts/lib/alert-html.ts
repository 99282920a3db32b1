/**
 * An alert laid out as a person sees it: the Slack message that slack-notify posts (Block Kit, Slack's mrkdwn) and the
 * e-mail SNS sends (plain text, a subject). Pages for a headless browser to photograph; they load nothing from
 * outside, and the emoji our alerts use are drawn in CSS, so the picture does not depend on an emoji font.
 */
import type { SlackPayload } from '../../src/alerts/slack.js';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const EMOJI: Record<string, string> = {
  red_circle: '<span class="emoji" style="background:#dd2e44"></span>',
  large_green_circle: '<span class="emoji" style="background:#78b159"></span>',
};

const emoji = (html: string) => html.replace(/:([a-z_]+):/g, (whole, name: string) => EMOJI[name] ?? whole);

/**
 * Slack's mrkdwn as Slack shows it: ```blocks```, `code`, *bold*, _italic_, > quotes, line breaks. Slack's text
 * escapes &, < and > itself (as HTML does), so it is placed as it is; anything else is escaped.
 */
export function mrkdwnToHtml(text: string): string {
  const safe = text.replace(/"/g, '&quot;');
  const parts = safe.split('```');
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `<pre>${part.replace(/^\n/, '')}</pre>`;
      const inline = part
        .split('`')
        .map((piece, j) =>
          j % 2 === 1
            ? `<code>${piece}</code>`
            : emoji(piece)
                .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
                .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>'),
        )
        .join('');
      return inline
        .split('\n')
        .map((line) => (line.startsWith('&gt; ') ? `<blockquote>${line.slice(5)}</blockquote>` : line))
        .join('<br>')
        .replace(/<\/blockquote><br>/g, '</blockquote>')
        .replace(/^<br>|<br>$/g, '');
    })
    .join('');
}

function block(b: Record<string, unknown>): string {
  const text = b.text as { type: string; text: string } | undefined;
  switch (b.type) {
    case 'header':
      return `<div class="header">${emoji(escapeHtml(text?.text ?? ''))}</div>`;
    case 'section': {
      const fields = (b.fields as { text: string }[] | undefined) ?? [];
      return [
        text ? `<div class="section">${mrkdwnToHtml(text.text)}</div>` : '',
        fields.length > 0
          ? `<div class="fields">${fields.map((f) => `<div>${mrkdwnToHtml(f.text)}</div>`).join('')}</div>`
          : '',
      ].join('');
    }
    case 'divider':
      return '<hr>';
    case 'context':
      return `<div class="context">${((b.elements as { text: string }[]) ?? []).map((e) => mrkdwnToHtml(e.text)).join(' ')}</div>`;
    default:
      return '';
  }
}

const PAGE = (css: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body>${body}</body></html>`;

const SLACK_CSS = `
  body { margin: 0; background: #ffffff; }
  #picture { width: 780px; padding: 16px 20px 20px; background: #fff; font-family: Lato, 'Helvetica Neue', Arial, sans-serif;
    font-size: 15px; line-height: 1.47; color: #1d1c1d; box-sizing: border-box; }
  .row { display: flex; gap: 8px; }
  .channel { font-weight: 900; font-size: 18px; padding-bottom: 12px; margin-bottom: 12px; border-bottom: 1px solid #dddddd; }
  .avatar { flex: none; width: 36px; height: 36px; border-radius: 6px; background: #232f3e; color: #ff9900;
    font-weight: 900; font-size: 13px; display: flex; align-items: center; justify-content: center; margin-top: 4px; }
  .message { min-width: 0; flex: 1; }
  .meta { display: flex; align-items: baseline; gap: 6px; }
  .name { font-weight: 900; }
  .app { font-size: 10px; font-weight: 700; color: #616061; background: rgba(29,28,29,.13); border-radius: 2px; padding: 0 3px; }
  .time { font-size: 12px; color: #616061; }
  .header { font-size: 18px; font-weight: 900; margin: 4px 0 6px; }
  .section { margin: 4px 0; overflow-wrap: anywhere; }
  .fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin: 8px 0; }
  hr { border: 0; border-top: 1px solid #dddddd; margin: 12px 0; }
  .context { font-size: 12px; color: #616061; margin-top: 6px; }
  code { font-family: Monaco, Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 12px; color: #e01e5a;
    background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 3px; padding: 1px 3px; overflow-wrap: anywhere; }
  pre { font-family: Monaco, Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 12px; line-height: 1.5;
    background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 4px; padding: 8px;
    margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
  blockquote { margin: 4px 0; padding-left: 12px; border-left: 4px solid #dddddd; }
  .emoji { display: inline-block; width: 0.95em; height: 0.95em; border-radius: 50%; vertical-align: -0.1em; }
`;

/** The Slack message slack-notify posts, in a channel, as Slack's desktop app lays it out. */
export function slackPage(payload: SlackPayload, options: { channel: string; time: string }): string {
  const body = `
    <div id="picture">
      <div class="channel"># ${escapeHtml(options.channel)}</div>
      <div class="row">
        <div class="avatar">AG</div>
        <div class="message">
          <div class="meta"><span class="name">agentcore-guard</span><span class="app">APP</span><span class="time">${escapeHtml(options.time)}</span></div>
          ${payload.blocks.map(block).join('\n')}
        </div>
      </div>
    </div>`;
  return PAGE(SLACK_CSS, body);
}

const MAIL_CSS = `
  body { margin: 0; background: #ffffff; }
  #picture { width: 860px; background: #fff; font-family: Arial, 'Liberation Sans', Helvetica, sans-serif; color: #202124;
    border: 1px solid #dadce0; border-radius: 8px; overflow: hidden; }
  .subject { font-size: 21px; padding: 18px 24px 10px; }
  .from { display: flex; gap: 12px; padding: 6px 24px 14px; border-bottom: 1px solid #eceff1; }
  .avatar { width: 40px; height: 40px; border-radius: 50%; background: #232f3e; color: #ff9900; font-weight: 700;
    display: flex; align-items: center; justify-content: center; font-size: 14px; flex: none; }
  .who { font-size: 14px; line-height: 20px; }
  .who b { font-weight: 700; }
  .who span, .when { color: #5f6368; font-size: 12px; }
  .text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12.5px; line-height: 1.5; padding: 16px 24px 22px;
    white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
  .footer { color: #5f6368; }
`;

/** The e-mail SNS sends an `email` subscriber: our subject and plain-text body, with SNS's own sender and footer. */
export function emailPage(mail: { subject: string; text: string; to: string; footer: string }): string {
  const body = `
    <div id="picture">
      <div class="subject">${escapeHtml(mail.subject)}</div>
      <div class="from">
        <div class="avatar">AN</div>
        <div class="who"><b>AWS Notifications</b> <span>&lt;no-reply@sns.amazonaws.com&gt;</span><br><span>to ${escapeHtml(mail.to)}</span></div>
      </div>
      <pre class="text">${escapeHtml(mail.text)}

<span class="footer">${escapeHtml(mail.footer)}</span></pre>
    </div>`;
  return PAGE(MAIL_CSS, body);
}
