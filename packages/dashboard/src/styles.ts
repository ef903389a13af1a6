/** The dashboard's stylesheet: calm, dense, readable at 1280 px and at phone width. */
export const DASHBOARD_CSS = `
:root { --fg:#1d232b; --muted:#58616d; --line:#d8dde3; --bg:#f6f7f9; --card:#fff; --accent:#1f5fae;
  --ok:#1e6b3a; --warn:#8a5a00; --bad:#a3262a; --okbg:#e5f3ea; --warnbg:#fdf1d8; --badbg:#fbe4e4;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible, select:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
header.top .name { font-weight: 600; margin: 0; font-size: 1rem; }
nav.main ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: 0; }
nav.main a { display: block; padding: .25rem .5rem; border-radius: 4px; text-decoration: none; color: var(--fg); }
nav.main a[aria-current="page"] { background: var(--accent); color: #fff; }
main { padding: 1rem; max-width: 1280px; margin: 0 auto; overflow-wrap: anywhere; }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
h2 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
h3 { font-size: .95rem; margin: .75rem 0 .25rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(300px, 100%), 1fr)); gap: .75rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; min-width: 0; }
.card h2 { margin-top: 0; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
th[scope=row] { color: var(--fg); font-size: inherit; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 999px; font-size: .8rem; border: 1px solid var(--line); background: #eef1f5; color: var(--fg); white-space: nowrap; }
.badge.ok { background: var(--okbg); color: var(--ok); border-color: #b9dcc5; }
.badge.warn { background: var(--warnbg); color: var(--warn); border-color: #ecd49c; }
.badge.bad { background: var(--badbg); color: var(--bad); border-color: #efbcbc; }
.muted { color: var(--muted); }
.mono, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
pre { background: #f0f2f5; padding: .5rem; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.hash { word-break: break-all; }
form.inline { display: inline; }
button { font: inherit; padding: .25rem .75rem; border-radius: 4px; border: 1px solid #8c96a3; background: #fff; color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
input[type=search], input[type=text] { font: inherit; padding: .25rem .5rem; border: 1px solid #8c96a3; border-radius: 4px; min-width: 0; width: 16rem; max-width: 100%; }
.flash { padding: .5rem .75rem; border-radius: 6px; margin-bottom: .75rem; border: 1px solid; }
.flash.ok { background: var(--okbg); border-color: #b9dcc5; color: var(--ok); }
.flash.bad { background: var(--badbg); border-color: #efbcbc; color: var(--bad); }
.problem { background: var(--badbg); color: var(--bad); padding: .5rem; border-radius: 4px; }
progress { width: 6rem; height: .6rem; accent-color: var(--accent); }
progress.warn { accent-color: #b07d00; } progress.bad { accent-color: var(--bad); }
ul.plain { list-style: none; padding: 0; margin: 0; }
ul.plain > li { padding: .3rem 0; border-bottom: 1px solid var(--line); }
ul.plain > li:last-child { border-bottom: 0; }
.tree-1 { padding-left: 1.25rem; } .tree-2 { padding-left: 2.5rem; } .tree-3 { padding-left: 3.75rem; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15rem .75rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.live { font-size: .8rem; }
@media (max-width: 640px) {
  main { padding: .5rem; }
  th.wide, td.wide { display: none; }
  header.top { padding: .5rem; }
}
`;
