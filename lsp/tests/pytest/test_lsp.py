"""The language server driven by pytest-lsp, a client no one here wrote,
which also checks every answer against the LSP specification and the
capabilities of the client it emulates (here VS Code's). It covers the
requests the Neovim test does not: definition, references, rename,
formatting, completion, code lenses and actions, semantic tokens, inlay
hints, symbols, folding, and the edict/diff request.

Run from the repository root after `cargo build -p edict-lsp`:
    python3 -m pytest -q lsp/tests/pytest
"""

import os
import pathlib
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[3]
SERVER = os.environ.get("EDICT_LSP", str(ROOT / "target" / "debug" / "edict-lsp"))

POLICY = """policy t.p

use std.countries.*

/// Destinations we watch.
group Watched: Country = {CN, MO}

input {
  item: Eccn
  destination: Country
}

jurisdiction US {
  rule chips {
    when item in {3A090} and destination in Watched
    then require license
    cite "15 CFR 742.6"
    sunset 2030-01-01
  }
}

test "China" {
  at 2026-01-01
  given { item: 3A090, destination: CN }
  expect US: require license
}
"""


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "policy.edict"
    path.write_text(POLICY)
    return path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SERVER]))
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def position(needle: str, text: str = POLICY) -> types.Position:
    at = text.index(needle)
    line = text[:at].count("\n")
    start = text.rfind("\n", 0, at) + 1
    return types.Position(line=line, character=len(text[start:at].encode("utf-16-le")) // 2)


async def open_doc(client: LanguageClient, path: pathlib.Path, text: str = POLICY) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="edict", version=1, text=text)
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def test_definition_and_references(client: LanguageClient, project):
    uri = await open_doc(client, project)
    use = position("Watched\n")
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(uri), position=use)
    )
    assert found.range.start == position("Watched:")
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(uri), position=use, context=types.ReferenceContext(include_declaration=True)
        )
    )
    assert len(refs) == 2


async def test_rename(client: LanguageClient, project):
    uri = await open_doc(client, project)
    at = position("Watched:")
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(uri), position=at)
    )
    assert prepared is not None
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc(uri), position=at, new_name="Watchlist")
    )
    assert len(edit.changes[uri]) == 2
    assert all(e.new_text == "Watchlist" for e in edit.changes[uri])


async def test_formatting_is_edict_fmt(client: LanguageClient, project):
    messy = POLICY.replace("  rule chips {", "rule   chips{")
    uri = await open_doc(client, project, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc(uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert len(edits) == 1
    assert edits[0].new_text == POLICY


async def test_completion_names_countries(client: LanguageClient, project):
    uri = await open_doc(client, project)
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(uri), position=position("MO}"))
    )
    items = items.items if hasattr(items, "items") else items
    mo = [i for i in items if i.label == "MO"]
    assert mo and "Maca" in (mo[0].detail or "")


async def test_code_lenses_semantic_tokens_hints_symbols_folding(client: LanguageClient, project):
    uri = await open_doc(client, project)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc(uri)))
    titles = sorted(lens.command.title for lens in lenses)
    assert titles == ["1 test covers this rule", "✓ test passes"]
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(uri))
    )
    assert list(tokens.data[:5]) == [0, 0, 6, 0, 0]  # `policy`, a keyword
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=doc(uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=40, character=0)),
        )
    )
    labels = [h.label for h in hints]
    assert any("in force until 2030-01-01" in label for label in labels)
    assert any(label.strip() == "2 members" for label in labels)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(uri))
    )
    assert [s.name for s in symbols] == ["Watched", "input", "US", "China"]
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc(uri)))
    assert len(folds) >= 3
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="chips"))
    assert [s.name for s in found] == ["chips"]


async def test_quick_fix_from_a_diagnostic(client: LanguageClient, project):
    broken = POLICY.replace("{CN, MO}", "{CN, MOO}")
    uri = project.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="edict", version=1, text=broken)
        )
    )
    for _ in range(5):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if client.diagnostics.get(uri):
            break
    diags = client.diagnostics[uri]
    assert diags[0].code == "E0101"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc(uri), range=diags[0].range, context=types.CodeActionContext(diagnostics=diags)
        )
    )
    assert actions[0].kind == types.CodeActionKind.QuickFix
    assert actions[0].edit.changes[uri][0].new_text == "MO"


async def test_edict_diff_request(client: LanguageClient, project):
    subprocess.run(["git", "init", "-q"], cwd=project.parent, check=True)
    subprocess.run(["git", "add", "."], cwd=project.parent, check=True)
    subprocess.run(
        ["git", "-c", "user.name=Edict", "-c", "user.email=edict@example.invalid", "commit", "-q", "-m", "v1"],
        cwd=project.parent,
        check=True,
    )
    uri = await open_doc(client, project, POLICY.replace("{CN, MO}", "{CN, MO, FR}"))
    reply = await client.protocol.send_request_async("edict/diff", {"textDocument": {"uri": uri}})
    # pygls hands unknown results back as named tuples.
    get = lambda obj, name: obj[name] if isinstance(obj, dict) else getattr(obj, name)
    assert get(get(get(reply, "report"), "summary"), "regions") == 1
    assert "## Decisions that change" in get(reply, "markdown")
    assert get(reply, "html").startswith("<!DOCTYPE html>")
