//! When foreign keys are checked (`store.fk_check`).

/// When foreign keys are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkCheck {
    /// Only by [`Store::validate`](crate::Store::validate) (the default): saves never read other entities.
    #[default]
    Deferred,
    /// Every save checks that the foreign keys of its rows name live parents,
    /// and fails before writing anything when one does not.
    OnSave,
}

impl std::str::FromStr for FkCheck {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "deferred" => Ok(FkCheck::Deferred),
            "on_save" => Ok(FkCheck::OnSave),
            other => Err(format!("unknown fk_check `{other}`: expected \"deferred\" or \"on_save\"")),
        }
    }
}
