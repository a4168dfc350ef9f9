//! The LSP methods: document sync, diagnostics, hover, definition,
//! outline, folding, formatting, and the `edict/diff` and `edict/stdlib`
//! requests.

use std::path::PathBuf;

use edict_compiler::db::{Database, Origin, SourceFile, Workspace};
use edict_compiler::diff::{Version, diff, render};
use edict_compiler::ide::{self, SymbolKind as Kind};
use edict_compiler::project::RealFs;
use serde::Deserialize;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc::{self, Result};
use tower_lsp_server::ls_types::*;

use crate::convert::{LineIndex, text_of};
use crate::editing;
use crate::state::Doc;
use crate::{Backend, SERVER_NAME, version};

/// The URI scheme of the embedded standard library's read-only documents.
pub const STDLIB_SCHEME: &str = "edict-stdlib";

impl Backend {
    fn schedule_diagnostics(&self, ws: Workspace) {
        self.publisher.schedule(ws);
    }

    /// The open document at `uri`, or an error the client can show.
    fn doc(&self, uri: &Uri) -> Result<Doc> {
        self.lock()
            .doc(uri)
            .cloned()
            .ok_or_else(|| jsonrpc::Error::invalid_params(format!("{} is not open", uri.as_str())))
    }

    /// Open documents' files and URIs, for [`locate`] inside a read.
    fn open_files(&self) -> Vec<(SourceFile, Uri)> {
        self.lock()
            .docs()
            .map(|d| (d.file, d.uri.clone()))
            .collect()
    }

    /// `edict/diff`: the open document's policy against a baseline.
    pub async fn diff_request(&self, params: DiffParams) -> Result<serde_json::Value> {
        let doc = self.doc(&params.text_document.uri)?;
        let baseline = params.baseline.unwrap_or_else(|| "git:HEAD".to_string());
        let here = crate::state::path_of(&doc.uri);
        let folder = here.parent().map(PathBuf::from).unwrap_or_default();
        let ws = doc.ws;
        let resolved = self
            .read(move |db| edict_compiler::table::resolve(db, ws))
            .await?;
        let current = tokio::task::spawn_blocking(move || {
            resolved.and_then(edict_compiler::table::compile_resolved)
        })
        .await
        .map_err(|e| jsonrpc::Error::invalid_params(e.to_string()))?
        .map_err(|_| {
            jsonrpc::Error::invalid_params("the document has errors: fix them to compare it")
        })?;
        let new = Version::from_compiled(here.display().to_string(), &current);
        let old = tokio::task::spawn_blocking(move || {
            let mut err = Vec::new();
            let settings = edict_compiler::db::Settings::default();
            let side = match baseline.strip_prefix("git:") {
                Some(rev) => {
                    let fs = edict_compiler::cli::diff::git_files(rev, &folder)?;
                    edict_compiler::cli::diff::version(
                        &fs,
                        &folder,
                        format!("{rev}:{}", folder.display()),
                        &settings,
                        &mut err,
                    )
                }
                None => {
                    let path = PathBuf::from(&baseline);
                    edict_compiler::cli::diff::version(
                        &RealFs,
                        &path,
                        baseline.clone(),
                        &settings,
                        &mut err,
                    )
                }
            };
            side.map_err(|_| String::from_utf8_lossy(&err).into_owned())
        })
        .await
        .map_err(|e| jsonrpc::Error::invalid_params(e.to_string()))?
        .map_err(jsonrpc::Error::invalid_params)?;
        let report = diff(&old, &new).map_err(|e| jsonrpc::Error::invalid_params(e.0))?;
        Ok(serde_json::json!({
            "report": report,
            "markdown": render::markdown(&report),
            "html": edict_compiler::diff::html::page(&report),
        }))
    }
}

impl Backend {
    /// `edict/malformed`: a message that was not JSON, reported to the client.
    pub async fn malformed(&self, params: serde_json::Value) {
        let why = params["message"]
            .as_str()
            .unwrap_or("malformed message")
            .to_string();
        self.client
            .log_message(
                MessageType::ERROR,
                format!("ignored a malformed message: {why}"),
            )
            .await;
    }

    /// `edict/invalid`: a malformed request whose id could be read; it is
    /// answered with the JSON-RPC error "invalid request" and logged.
    pub async fn invalid(&self, params: serde_json::Value) -> Result<()> {
        let why = params["message"]
            .as_str()
            .unwrap_or("malformed request")
            .to_string();
        self.client
            .log_message(
                MessageType::ERROR,
                format!("refused a malformed request: {why}"),
            )
            .await;
        Err(jsonrpc::Error {
            code: jsonrpc::ErrorCode::InvalidRequest,
            message: why.into(),
            data: None,
        })
    }

    /// `edict/stdlib`: the text of an embedded standard library module, for
    /// the read-only documents that definitions point into.
    pub async fn stdlib_request(&self, params: TextDocumentIdentifier) -> Result<String> {
        let uri = params.uri.as_str();
        let rel = uri
            .strip_prefix(&format!("{STDLIB_SCHEME}:///"))
            .ok_or_else(|| jsonrpc::Error::invalid_params(format!("not a {STDLIB_SCHEME} URI")))?;
        edict_compiler::stdlib::MODULES
            .iter()
            .find(|m| m.display_path().trim_start_matches("<stdlib>/") == rel)
            .map(|m| m.text.to_string())
            .ok_or_else(|| jsonrpc::Error::invalid_params(format!("no stdlib module {rel}")))
    }
}

/// The URI of a file: an open document's, a `file:` URI, or for the
/// stdlib an `edict-stdlib:` one.
pub fn locate(db: &Database, open: &[(SourceFile, Uri)], f: SourceFile) -> Option<Uri> {
    if let Some((_, uri)) = open.iter().find(|(file, _)| *file == f) {
        return Some(uri.clone());
    }
    let path = f.path(db);
    match f.origin(db) {
        Origin::Stdlib => format!(
            "{STDLIB_SCHEME}:///{}",
            path.trim_start_matches("<stdlib>/")
        )
        .parse()
        .ok(),
        Origin::Project => Uri::from_file_path(path),
    }
}

/// Parameters of `edict/diff`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffParams {
    /// The document compared (its project).
    pub text_document: TextDocumentIdentifier,
    /// `git:REV` (default `git:HEAD`) or a path of a file, folder or table.
    pub baseline: Option<String>,
}

/// The LSP kind of an outline entry.
pub fn symbol_kind(k: Kind) -> SymbolKind {
    match k {
        Kind::Jurisdiction => SymbolKind::NAMESPACE,
        Kind::Rule => SymbolKind::FUNCTION,
        Kind::Group => SymbolKind::CONSTANT,
        Kind::Enum => SymbolKind::ENUM,
        Kind::Variant => SymbolKind::ENUM_MEMBER,
        Kind::Authorization => SymbolKind::KEY,
        Kind::Input => SymbolKind::STRUCT,
        Kind::Field => SymbolKind::FIELD,
        Kind::Tiers | Kind::Assess => SymbolKind::OBJECT,
        Kind::Test => SymbolKind::METHOD,
        Kind::Assertion => SymbolKind::PROPERTY,
    }
}

#[expect(
    deprecated,
    reason = "DocumentSymbol's `deprecated` field must still be given"
)]
fn document_symbol(s: ide::Symbol, text: &str, index: &LineIndex) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: None,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: index.range(text, s.span),
        selection_range: index.range(text, s.name_span),
        children: Some(
            s.children
                .into_iter()
                .map(|c| document_symbol(c, text, index))
                .collect(),
        ),
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, _: InitializeParams) -> Result<InitializeResult> {
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["{".into(), ",".into(), " ".into()]),
                    ..Default::default()
                }),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: crate::editing::legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            ..Default::default()
                        },
                    ),
                ),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: SERVER_NAME.into(),
                version: Some(version().into()),
            }),
            offset_encoding: None,
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        // The project is read from disk without the lock (bounded), so
        // other requests go on meanwhile; the document is then opened
        // under the lock before any await, keeping edits in order.
        let loaded =
            crate::state::project_folder(&d.uri).is_none_or(|f| self.lock().has_project(&f));
        let preload = if loaded {
            None
        } else {
            crate::state::preload(&d.uri)
        };
        let problem = preload
            .as_ref()
            .and_then(|p| p.problem().map(str::to_string));
        let doc = self.lock().open(d.uri, d.text, d.version, preload);
        if let Some(why) = problem {
            self.client.log_message(MessageType::WARNING, why).await;
        }
        self.bump();
        self.schedule_diagnostics(doc.ws);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let d = params.text_document;
        let result = self
            .lock()
            .change(&d.uri, d.version, params.content_changes);
        match result {
            Ok(doc) => {
                self.bump();
                self.schedule_diagnostics(doc.ws);
            }
            Err(why) => self.client.log_message(MessageType::WARNING, why).await,
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let closed = self.lock().close(&params.text_document.uri);
        if let Some(doc) = closed {
            self.bump();
            self.client
                .publish_diagnostics(doc.uri, Vec::new(), None)
                .await;
            self.schedule_diagnostics(doc.ws);
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let doc = self.doc(&p.text_document.uri)?;
        self.read(move |db| {
            let (text, index) = text_of(db, doc.file);
            let offset = index.offset(&text, p.position);
            ide::hover(db, doc.ws, doc.file, offset).map(|(markdown, span)| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: markdown,
                }),
                range: Some(index.range(&text, span)),
            })
        })
        .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let doc = self.doc(&p.text_document.uri)?;
        let open = self.open_files();
        self.read(move |db| {
            let (text, index) = text_of(db, doc.file);
            let offset = index.offset(&text, p.position);
            let t = ide::definition(db, doc.ws, doc.file, offset)?;
            let (other, oi) = text_of(db, t.file);
            let uri = locate(db, &open, t.file)?;
            Some(GotoDefinitionResponse::Scalar(Location::new(
                uri,
                oi.range(&other, t.name_span),
            )))
        })
        .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let doc = self.doc(&params.text_document.uri)?;
        self.read(move |db| {
            let (text, index) = text_of(db, doc.file);
            let symbols = ide::symbols(db, doc.file)
                .into_iter()
                .map(|s| document_symbol(s, &text, &index))
                .collect();
            Some(DocumentSymbolResponse::Nested(symbols))
        })
        .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let doc = self.doc(&params.text_document.uri)?;
        self.read(move |db| {
            let (text, index) = text_of(db, doc.file);
            let ranges = ide::folding(db, doc.file)
                .into_iter()
                .map(|span| {
                    let r = index.range(&text, span);
                    FoldingRange {
                        start_line: r.start.line,
                        start_character: None,
                        end_line: r.end.line,
                        end_character: None,
                        kind: Some(FoldingRangeKind::Region),
                        collapsed_text: None,
                    }
                })
                .collect();
            Some(ranges)
        })
        .await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let doc = self.doc(&params.text_document.uri)?;
        self.read(move |db| {
            let (text, index) = text_of(db, doc.file);
            // A file with syntax errors is left as it is (like `edict fmt`).
            let formatted = edict_compiler::fmt::format(&text).ok()?;
            if formatted == text {
                return Some(Vec::new());
            }
            let whole = Range::new(Position::new(0, 0), index.position(&text, text.len()));
            Some(vec![TextEdit::new(whole, formatted)])
        })
        .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let doc = self.doc(&p.text_document.uri)?;
        self.read(move |db| {
            Some(CompletionResponse::Array(editing::completion(
                db, &doc, p.position,
            )))
        })
        .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let doc = self.doc(&p.text_document.uri)?;
        let open = self.open_files();
        self.read(move |db| {
            Some(editing::references(db, &doc, p.position, &|f| {
                locate(db, &open, f)
            }))
        })
        .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let doc = self.doc(&params.text_document.uri)?;
        self.read(move |db| {
            editing::prepare_rename(db, &doc, params.position).map(PrepareRenameResponse::Range)
        })
        .await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        let doc = self.doc(&p.text_document.uri)?;
        let open = self.open_files();
        let name = params.new_name;
        self.read(move |db| editing::rename(db, &doc, p.position, &name, &|f| locate(db, &open, f)))
            .await?
            .map(Some)
            .map_err(jsonrpc::Error::invalid_params)
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let doc = self.doc(&params.text_document.uri)?;
        self.read(move |db| {
            Some(SemanticTokensResult::Tokens(editing::semantic_tokens(
                db, doc.file,
            )))
        })
        .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let doc = self.doc(&params.text_document.uri)?;
        self.read(move |db| Some(editing::inlay_hints(db, &doc)))
            .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(Some(editing::code_actions(
            &params.text_document.uri,
            &params.context,
        )))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let projects = self.lock().projects();
        let open = self.open_files();
        self.read(move |db| {
            let found =
                editing::workspace_symbols(db, &projects, &params.query, &|f| locate(db, &open, f));
            Some(WorkspaceSymbolResponse::Nested(found))
        })
        .await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let doc = self.doc(&params.text_document.uri)?;
        let folder = crate::state::path_of(&doc.uri)
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        let baseline = tokio::task::spawn_blocking(move || crate::lenses::head_version(&folder))
            .await
            .ok()
            .flatten();
        let d = doc.clone();
        // Take what the lenses need, then compile without the database.
        let (snapshot, shown, text, symbols) = self
            .read(move |db| {
                (
                    crate::lenses::snapshot(db, d.ws),
                    d.file.path(db).clone(),
                    d.file.text(db).clone(),
                    ide::symbols(db, d.file),
                )
            })
            .await?;
        let lenses = tokio::task::spawn_blocking(move || {
            crate::lenses::lenses(&doc, &shown, &text, symbols, snapshot, baseline.as_ref())
        })
        .await
        .map_err(|e| jsonrpc::Error::invalid_params(e.to_string()))?;
        Ok(Some(lenses))
    }
}
