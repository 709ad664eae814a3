//! Rules of an organization: which pipeline may trigger builds of, or read the artifacts of,
//! which other pipeline across clusters.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::pagination::simple_list;
use crate::{segment, send, List, Result};

/// Rules.
impl Organization {
    /// The organization's rules.
    pub fn rules(&self) -> Rules {
        List::new(RulesQuery { org: self.clone() }, self.bk.per_page())
    }

    /// A rule, by UUID: a handle, nothing is sent.
    pub fn rule(&self, uuid: impl Into<String>) -> Rule {
        Rule {
            org: self.clone(),
            uuid: uuid.into(),
        }
    }

    /// Starts creating a rule of this type; its value fields are set on the builder. The two
    /// rule types Buildkite documents are pipeline to pipeline: set
    /// [`source_pipeline`](CreateRule::source_pipeline) and
    /// [`target_pipeline`](CreateRule::target_pipeline).
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::RuleType;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let org = bk.organization("acme");
    /// let rule = org
    ///     .create_rule(RuleType::PipelineTriggerBuildPipeline)
    ///     .source_pipeline("16f3b56f-4934-4546-923c-287859851332")
    ///     .target_pipeline("d07d5d84-d1bd-479c-902c-ce8a01ce5aac")
    ///     .send()
    ///     .await?;
    /// org.rule(rule.uuid).delete().await?;
    /// # Ok(()) }
    /// ```
    pub fn create_rule(&self, rule_type: types::RuleType) -> CreateRule {
        CreateRule {
            org: self.clone(),
            body: types::CreateRuleRequest {
                type_: rule_type,
                value: serde_json::Map::new(),
            },
        }
    }
}

/// A rule of an organization: `org.rule(uuid)`. Nothing is sent until a method is called.
#[derive(Debug, Clone)]
pub struct Rule {
    org: Organization,
    uuid: String,
}

impl Rule {
    /// The rule's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the rule.
    pub async fn get(&self) -> Result<types::Rule> {
        let op = self
            .org
            .bk
            .api()
            .get_rule()
            .org_slug(&self.org.slug)
            .rule_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the rule.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .org
            .bk
            .api()
            .delete_rule()
            .org_slug(&self.org.slug)
            .rule_uuid(&self.uuid);
        send(op).await?;
        Ok(())
    }
}

/// Creates a rule: `org.create_rule(rule_type)`, its value fields, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateRule {
    org: Organization,
    body: types::CreateRuleRequest,
}

impl CreateRule {
    /// The pipeline the rule lets act (a UUID or a slug): `value.source_pipeline`.
    pub fn source_pipeline(self, pipeline: impl Into<String>) -> Self {
        self.value("source_pipeline", pipeline.into())
    }

    /// The pipeline acted on (a UUID or a slug): `value.target_pipeline`.
    pub fn target_pipeline(self, pipeline: impl Into<String>) -> Self {
        self.value("target_pipeline", pipeline.into())
    }

    /// Any other field of the rule's value, for rule types with fields of their own.
    pub fn value(mut self, field: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.body.value.insert(field.into(), value.into());
        self
    }

    /// Creates the rule and returns it. A rule without a value field, or with an empty
    /// pipeline, fails with [`Error::InvalidInput`](crate::Error::InvalidInput) before
    /// anything is sent.
    pub async fn send(self) -> Result<types::Rule> {
        if self.body.value.is_empty() {
            return Err(crate::Error::invalid(
                "a rule needs its value: set source_pipeline and target_pipeline",
            ));
        }
        for field in ["source_pipeline", "target_pipeline"] {
            if let Some(serde_json::Value::String(pipeline)) = self.body.value.get(field) {
                segment(&format!("the rule's {field}"), pipeline)?;
            }
        }
        let op = self
            .org
            .bk
            .api()
            .create_rule()
            .org_slug(&self.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// An organization's rules: `org.rules()`.
    RulesQuery { org: Organization } => types::Rule,
    |o| o.bk.api().list_rules().org_slug(&o.slug)
);

/// A list of rules, `List<RulesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Rules = List<RulesQuery>;
