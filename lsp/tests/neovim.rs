//! A real client no one here wrote: headless Neovim (Debian's 0.7.2, which
//! `.ci/run` installs) with its built-in LSP client opens a policy, receives
//! the server's diagnostics and asks for a hover, and the test checks what
//! Neovim shows. The line with the error has non-ASCII text before it, so
//! the column is right only if the server counts UTF-16 units.
#![expect(clippy::panic, reason = "tests fail by panicking")]

use std::path::PathBuf;
use std::process::Command;

const POLICY: &str = "policy t.p\n\nuse std.countries.*\n\ninput {\n  item: Eccn\n  destination: Country\n}\n\njurisdiction US {\n  authority \"Réglementation — Türkiye\" effective 2025-02-30\n  rule chips {\n    when item in {3A090} and destination in {CN}\n    then require license\n    cite \"c\"\n    sunset 2030-01-01\n  }\n}\n";

const SCRIPT: &str = r#"
local file, server, out_path = os.getenv('EDICT_FILE'), os.getenv('EDICT_LSP'), os.getenv('EDICT_OUT')
vim.cmd('edit ' .. file)
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({ name = 'edict', cmd = { server }, root_dir = vim.fn.fnamemodify(file, ':h') })
vim.lsp.buf_attach_client(buf, id)
local ok = vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local out = io.open(out_path, 'w')
for _, d in ipairs(vim.diagnostic.get(buf)) do
  out:write(('DIAG %d:%d %s %s\n'):format(d.lnum, d.col, tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ''), d.message:gsub('\n.*', '')))
end
-- Hover on `CN` (line 13, after `{`).
local line = vim.api.nvim_buf_get_lines(buf, 12, 13, false)[1]
local col = line:find('CN', 1, true) - 1
local res = vim.lsp.buf_request_sync(buf, 'textDocument/hover',
  { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 12, character = col } }, 20000)
for _, r in pairs(res or {}) do
  if r.result then out:write('HOVER ' .. r.result.contents.value:gsub('\n', ' ') .. '\n') end
end
out:close()
vim.lsp.stop_client(id)
vim.cmd(ok and 'qa!' or 'cq!')
"#;

#[test]
fn headless_neovim_shows_the_diagnostics_and_a_hover() {
    let dir = std::env::temp_dir().join(format!("edict-nvim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("policy.edict");
    let script = dir.join("test.lua");
    let out = dir.join("out.txt");
    std::fs::write(&file, POLICY).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&script, SCRIPT).unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new("timeout")
        .arg("120")
        .arg("nvim")
        .args(["--headless", "--clean", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("EDICT_FILE", &file)
        .env("EDICT_LSP", env!("CARGO_BIN_EXE_edict-lsp"))
        .env("EDICT_OUT", &out)
        .status()
        .unwrap_or_else(|e| {
            panic!("this test needs Neovim (`apt-get install neovim`; `.ci/run` installs it): {e}")
        });
    let shown = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        status.success(),
        "Neovim failed ({status}); it wrote:\n{shown}"
    );
    // Neovim shows byte columns: `2025-02-30` starts at byte 53 of line 11
    // (49 characters, three of them more than one byte).
    let line = POLICY.lines().nth(10).unwrap_or("");
    let byte = line.find("2025-02-30").unwrap_or(0);
    assert_eq!(byte, 53);
    assert!(
        shown.contains(&format!(
            "DIAG 10:{byte} E0301 `2025-02-30` is not a calendar date"
        )),
        "{shown}"
    );
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("HOVER") && l.contains("China")),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
}
