-- Edict for Neovim's built-in LSP client (0.7 and later).
--
-- Put this file on your runtime path (for example
-- ~/.config/nvim/lua/edict.lua) and call `require('edict').setup()` from
-- your init.lua. `edict-lsp` must be on PATH, or pass `{ cmd = {...} }`.
local M = {}

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { 'edict-lsp' }
  vim.cmd([[autocmd BufRead,BufNewFile *.edict setfiletype edict]])
  vim.cmd([[autocmd FileType edict setlocal commentstring=//\ %s]])
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'edict',
    callback = function(args)
      local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(args.buf), ':p:h')
      local id = vim.lsp.start_client({ name = 'edict', cmd = cmd, root_dir = root })
      if id then
        vim.lsp.buf_attach_client(args.buf, id)
      end
    end,
  })
  -- :EdictDiff [git:REV|path] shows what the change does, as Markdown.
  vim.api.nvim_create_user_command('EdictDiff', function(c)
    local buf = vim.api.nvim_get_current_buf()
    local params = { textDocument = { uri = vim.uri_from_bufnr(buf) } }
    if c.args ~= '' then
      params.baseline = c.args
    end
    local replies = vim.lsp.buf_request_sync(buf, 'edict/diff', params, 20000) or {}
    for _, reply in pairs(replies) do
      if reply.result then
        vim.cmd('vnew')
        vim.bo.filetype = 'markdown'
        vim.bo.buftype = 'nofile'
        vim.api.nvim_buf_set_lines(0, 0, -1, false, vim.split(reply.result.markdown, '\n'))
      elseif reply.error then
        vim.notify('edict/diff: ' .. reply.error.message, vim.log.levels.ERROR)
      end
    end
  end, { nargs = '?' })
end

return M
