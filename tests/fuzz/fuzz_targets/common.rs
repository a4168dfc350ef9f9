//! One database kept across executions: the standard library is parsed and
//! checked once, and each input only replaces the policy file's text (the
//! way the language server edits), which makes the source targets many
//! times faster than loading a project per input.
use std::cell::RefCell;

use edict_compiler::db::{Origin, Settings};
use edict_compiler::project::{Project, load_text};
use salsa::Setter;

thread_local! {
    static PROJECT: RefCell<Option<Project>> = const { RefCell::new(None) };
}

/// Runs `f` on the kept project with the policy file's text set to `text`.
pub fn with_policy<T>(text: &str, f: impl FnOnce(&Project) -> T) -> T {
    PROJECT.with(|cell| {
        let mut slot = cell.borrow_mut();
        let project = slot.get_or_insert_with(|| {
            load_text("", Settings::default()).expect("an in-memory project loads")
        });
        let file = project
            .ws
            .files(&project.db)
            .iter()
            .copied()
            .find(|f| f.origin(&project.db) == Origin::Project)
            .expect("the policy file");
        file.set_text(&mut project.db).to(text.to_string());
        f(project)
    })
}
