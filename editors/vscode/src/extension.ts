// The Edict extension: starts `edict-lsp` over stdio and shows the
// decision-level diff of the open policy in a webview.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/** The reply of the server's `edict/diff` request. */
interface DiffReply {
  report: { summary: { regions: number }; equivalent: boolean };
  markdown: string;
  html: string;
}

function startClient(context: vscode.ExtensionContext): LanguageClient {
  const command = vscode.workspace
    .getConfiguration("edict")
    .get<string>("server.path", "edict-lsp");
  const serverOptions: ServerOptions = {
    run: { command, transport: TransportKind.stdio },
    debug: { command, transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "edict" }],
  };
  const c = new LanguageClient("edict", "Edict", serverOptions, clientOptions);
  void c.start();
  context.subscriptions.push(c);
  return c;
}

async function showDiff(baseline: string | undefined): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!client || !editor || editor.document.languageId !== "edict") {
    void vscode.window.showInformationMessage("Open an Edict policy first.");
    return;
  }
  try {
    const reply = await client.sendRequest<DiffReply>("edict/diff", {
      textDocument: { uri: editor.document.uri.toString() },
      baseline,
    });
    const panel = vscode.window.createWebviewPanel(
      "edictDiff",
      `What changes: ${vscode.workspace.asRelativePath(editor.document.uri)}`,
      vscode.ViewColumn.Beside,
      { enableScripts: true },
    );
    panel.webview.html = reply.html;
  } catch (e) {
    void vscode.window.showErrorMessage(`Edict diff: ${String(e)}`);
  }
}

export function activate(context: vscode.ExtensionContext): void {
  client = startClient(context);
  context.subscriptions.push(
    // Definitions into the embedded standard library open read-only
    // `edict-stdlib:` documents, whose text the server gives.
    vscode.workspace.registerTextDocumentContentProvider("edict-stdlib", {
      provideTextDocumentContent: async (uri: vscode.Uri): Promise<string> =>
        client ? client.sendRequest<string>("edict/stdlib", { uri: uri.toString() }) : "",
    }),
    vscode.commands.registerCommand("edict.showDiff", () => showDiff(undefined)),
    vscode.commands.registerCommand("edict.showDiffAgainst", async () => {
      const baseline = await vscode.window.showInputBox({
        prompt: "Compare with: git:REV, or the path of a policy file, folder or compiled table",
        value: "git:HEAD~1",
      });
      if (baseline) {
        await showDiff(baseline);
      }
    }),
    // Code lenses carry these commands: tests are re-run with every edit,
    // so "run" shows the results the server has published.
    vscode.commands.registerCommand("edict.runTests", () =>
      vscode.commands.executeCommand("workbench.actions.view.problems"),
    ),
    vscode.commands.registerCommand("edict.restartServer", async () => {
      await client?.stop();
      client = startClient(context);
    }),
  );
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}
