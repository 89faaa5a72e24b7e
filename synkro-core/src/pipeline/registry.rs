use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::{ConfigError, RunError};
use crate::pipeline::PipelineMode;
use crate::pipeline::modes::{AmocrmOnly, AmocrmRadist, RadistOnly};

/// The pipeline modes a deployment knows, keyed by id.
#[derive(Debug, Clone, Default)]
pub struct ModeRegistry {
    modes: BTreeMap<String, Arc<dyn PipelineMode>>,
}

impl ModeRegistry {
    /// An empty registry.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// A registry with the three built-in modes.
    #[must_use]
    pub fn with_builtins() -> Self {
        let mut r = Self::empty();
        for m in [
            Arc::new(AmocrmRadist) as Arc<dyn PipelineMode>,
            Arc::new(RadistOnly),
            Arc::new(AmocrmOnly),
        ] {
            r.modes.insert(m.id().to_owned(), m);
        }
        r
    }

    /// Adds a mode.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when the id is empty, not snake_case, or already registered.
    pub fn register(&mut self, mode: Arc<dyn PipelineMode>) -> Result<(), ConfigError> {
        let id = mode.id().to_owned();
        let snake = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && id.as_bytes()[0].is_ascii_lowercase();
        if !snake {
            return Err(ConfigError::invalid(
                "mode.id",
                format!("`{id}` is not a snake_case id"),
            ));
        }
        if self.modes.contains_key(&id) {
            return Err(ConfigError::invalid(
                "mode.id",
                format!("a mode with id `{id}` is already registered"),
            ));
        }
        self.modes.insert(id, mode);
        Ok(())
    }

    /// The mode with this id.
    ///
    /// # Errors
    /// [`RunError::UnknownMode`] listing the registered ids.
    pub fn get(&self, id: &str) -> Result<Arc<dyn PipelineMode>, RunError> {
        self.modes
            .get(id)
            .cloned()
            .ok_or_else(|| RunError::UnknownMode {
                id: id.to_owned(),
                known: self.ids().collect::<Vec<_>>().join(", "),
            })
    }

    /// Registered ids, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.modes.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_registered_and_duplicates_rejected() {
        let mut r = ModeRegistry::with_builtins();
        assert_eq!(
            r.ids().collect::<Vec<_>>(),
            ["amocrm_only", "amocrm_radist", "radist_only"]
        );
        let err = r.register(Arc::new(AmocrmOnly)).unwrap_err();
        assert!(err.to_string().contains("already registered"), "{err}");
        let err = r.get("nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown pipeline mode `nope`; registered modes: amocrm_only, amocrm_radist, radist_only"
        );
    }
}
