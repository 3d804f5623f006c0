//! The knowledge base (docs/knowledge.md): categories, articles, search, templates,
//! favourites, the inbox of pushed articles and knowledge to add.
//!
//! Every read is scoped to the caller's tenant. Agents (`menu.knowledge`) read published
//! articles; writers (`knowledge.edit`) also see drafts and knowledge to add.

pub mod types;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_graphql::{Context, Object};
use axum::http::StatusCode;
use chrono::Utc;
use hotline_command_api::knowledge::ArticleInput;
use hotline_command_api::knowledge::service::{EDIT_PERMISSION, READ_PERMISSION, TemplateInput};
use hotline_command_api::{ApiError, CommandOutcome, Session};
use hotline_domain::knowledge::Category;
use hotline_infra::search::{KnowledgeQuery, SearchError};
use hotline_projections::knowledge as read_model;
use uuid::Uuid;

use crate::chat::catch_up_read_models;
use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};
use types::{
    ArticleContext, KnowledgeArticle, KnowledgeArticleInput, KnowledgeArticlePage, KnowledgeCategory,
    KnowledgeCategoryInput, KnowledgeGap, KnowledgePush, KnowledgeSearchHit, KnowledgeSearchResult, KnowledgeTemplate,
    KnowledgeTemplateInput,
};

/// How long a writer's save waits for the search index to hold it.
const INDEX_WAIT: Duration = Duration::from_secs(5);
/// Hits one search page returns, at most.
const MAX_HITS: usize = 50;

fn require(session: &Session, permission: &str) -> async_graphql::Result<()> {
    session.require(permission).or_graphql_error()
}

fn not_found(article_id: Uuid) -> async_graphql::Error {
    graphql_error(ApiError::new(
        StatusCode::NOT_FOUND,
        "knowledge.article_not_found",
        format!("no article {article_id}"),
    ))
}

/// The category and its subcategories, at any depth.
fn subtree(categories: &[Category], root: Uuid) -> Vec<Uuid> {
    let mut found = vec![root];
    let mut index = 0;
    while index < found.len() {
        let parent = found[index];
        found.extend(categories.iter().filter(|category| category.parent_id == Some(parent)).map(|c| c.category_id));
        index += 1;
    }
    found
}

/// The category tree and the caller's favourites among `article_ids`.
async fn article_context(
    state: &GraphqlState,
    session: &Session,
    article_ids: &[Uuid],
) -> async_graphql::Result<ArticleContext> {
    let categories = state.knowledge.categories(session.tenant_id).await.or_graphql_error()?;
    let favourites = read_model::favourite_ids(&state.read_models, session.tenant_id, session.user_id, article_ids)
        .await
        .map_err(read_model_error)?;
    Ok(ArticleContext {
        categories: categories.into_iter().map(|category| (category.category_id, category)).collect(),
        favourites,
    })
}

/// The article as the caller may see it: drafts only for writers.
async fn visible_article(
    state: &GraphqlState,
    session: &Session,
    article_id: Uuid,
) -> async_graphql::Result<Option<KnowledgeArticle>> {
    let view =
        read_model::get_article(&state.read_models, session.tenant_id, article_id).await.map_err(read_model_error)?;
    let Some(view) = view.filter(|view| view.published || session.has(EDIT_PERMISSION)) else {
        return Ok(None);
    };
    Ok(Some(article_context(state, session, &[article_id]).await?.article(view)))
}

/// Waits until the read models and the search index hold what the command appended.
async fn catch_up(state: &GraphqlState, outcome: &CommandOutcome) {
    catch_up_read_models(state).await;
    if let Some(position) = outcome.last_position {
        state.knowledge_index.wait_for(position, INDEX_WAIT).await;
    }
}

fn search_error(error: SearchError) -> async_graphql::Error {
    match error {
        SearchError::Syntax(_) | SearchError::InvalidQuery(_) => {
            graphql_error(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "knowledge.invalid_query", error.to_string()))
        }
        SearchError::Index(_) => graphql_error(ApiError::internal(error.to_string())),
    }
}

#[derive(Default)]
pub struct KnowledgeQueryRoot;

#[Object]
impl KnowledgeQueryRoot {
    async fn knowledge_categories(&self, context: &Context<'_>) -> async_graphql::Result<Vec<KnowledgeCategory>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, READ_PERMISSION)?;
        let categories = state.knowledge.categories(session.tenant_id).await.or_graphql_error()?;
        let counts =
            read_model::article_counts(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(categories
            .into_iter()
            .map(|category| KnowledgeCategory {
                article_count: counts.get(&category.category_id).copied().unwrap_or(0),
                id: category.category_id,
                parent_id: category.parent_id,
                name: category.name,
                sort_order: category.sort_order,
            })
            .collect())
    }

    /// Articles of a category and its subcategories (all without one), newest first. Drafts
    /// only with knowledge.edit.
    async fn knowledge_articles(
        &self,
        context: &Context<'_>,
        category_id: Option<Uuid>,
        #[graphql(default = false)] include_drafts: bool,
        #[graphql(default = 50)] first: usize,
        #[graphql(default = 0)] offset: usize,
    ) -> async_graphql::Result<KnowledgeArticlePage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, READ_PERMISSION)?;
        if include_drafts {
            require(session, EDIT_PERMISSION)?;
        }
        let first = crate::identity::query::page_size(first)? as usize;
        let categories = match category_id {
            Some(category_id) => {
                let tree = state.knowledge.categories(session.tenant_id).await.or_graphql_error()?;
                Some(subtree(&tree, category_id))
            }
            None => None,
        };
        let (views, total) = read_model::list_articles(
            &state.read_models,
            session.tenant_id,
            categories.as_deref(),
            include_drafts,
            first,
            offset,
        )
        .await
        .map_err(read_model_error)?;
        let ids: Vec<Uuid> = views.iter().map(|view| view.article_id).collect();
        let article_context = article_context(state, session, &ids).await?;
        Ok(KnowledgeArticlePage { items: views.into_iter().map(|view| article_context.article(view)).collect(), total })
    }

    async fn knowledge_article(
        &self,
        context: &Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<Option<KnowledgeArticle>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, READ_PERMISSION)?;
        visible_article(state, session, id).await
    }

    /// Full-text search (Chinese and English, fuzzy). A search with no hit is recorded as
    /// knowledge to add. Errors: knowledge.invalid_query (syntax, with the reason).
    async fn search_knowledge(
        &self,
        context: &Context<'_>,
        query: String,
        category_id: Option<Uuid>,
        #[graphql(default = false)] include_drafts: bool,
        #[graphql(default = 10)] first: usize,
        #[graphql(default = 0)] offset: usize,
    ) -> async_graphql::Result<KnowledgeSearchResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, READ_PERMISSION)?;
        if include_drafts {
            require(session, EDIT_PERMISSION)?;
        }
        let category_ids = match category_id {
            Some(category_id) => {
                subtree(&state.knowledge.categories(session.tenant_id).await.or_graphql_error()?, category_id)
            }
            None => Vec::new(),
        };
        let search = KnowledgeQuery {
            text: query.clone(),
            category_ids,
            published_only: !include_drafts,
            limit: first.clamp(1, MAX_HITS),
            offset,
        };
        let (index, tenant_id) = (state.knowledge_index.index().clone(), session.tenant_id);
        let results = tokio::task::spawn_blocking(move || index.search(tenant_id, &search))
            .await
            .map_err(|error| graphql_error(ApiError::internal(format!("search stopped: {error}"))))?
            .map_err(search_error)?;
        if results.total == 0 && offset == 0 && category_id.is_none() {
            // Knowledge to add is a side effect: a failure to record it must not fail the search.
            if let Err(error) = state.knowledge.record_miss(session, &query, Utc::now()).await {
                tracing::warn!(%error, "recording a knowledge search that found nothing");
            }
        }
        let ids: Vec<Uuid> = results.hits.iter().map(|hit| hit.article_id).collect();
        let mut views: HashMap<Uuid, _> =
            read_model::get_articles(&state.read_models, session.tenant_id, &ids).await.map_err(read_model_error)?;
        let article_context = article_context(state, session, &ids).await?;
        // The index may be a moment ahead of the read model: such a hit waits for the next search.
        let hits = results
            .hits
            .into_iter()
            .filter_map(|hit| {
                let view = views.remove(&hit.article_id)?;
                Some(KnowledgeSearchHit {
                    article: article_context.article(view),
                    score: hit.score,
                    title_html: hit.title_html,
                    snippet_html: hit.snippet_html,
                    matched_in_attachment: hit.matched_in_attachment,
                })
            })
            .collect();
        Ok(KnowledgeSearchResult { total: results.total as u64, hits })
    }

    async fn knowledge_templates(&self, context: &Context<'_>) -> async_graphql::Result<Vec<KnowledgeTemplate>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, EDIT_PERMISSION)?;
        let templates = state.knowledge.templates(session.tenant_id).await.or_graphql_error()?;
        Ok(templates.into_iter().map(KnowledgeTemplate::from).collect())
    }

    async fn knowledge_favourites(&self, context: &Context<'_>) -> async_graphql::Result<Vec<KnowledgeArticle>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, READ_PERMISSION)?;
        let views = read_model::favourites(&state.read_models, session.tenant_id, session.user_id)
            .await
            .map_err(read_model_error)?;
        let visible: Vec<_> = views.into_iter().filter(|view| view.published || session.has(EDIT_PERMISSION)).collect();
        let ids: Vec<Uuid> = visible.iter().map(|view| view.article_id).collect();
        let article_context = article_context(state, session, &ids).await?;
        Ok(visible.into_iter().map(|view| article_context.article(view)).collect())
    }

    /// Articles pushed to the caller, newest first.
    async fn knowledge_inbox(
        &self,
        context: &Context<'_>,
        #[graphql(default = false)] unread_only: bool,
    ) -> async_graphql::Result<Vec<KnowledgePush>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, READ_PERMISSION)?;
        let pushes = read_model::inbox(&state.read_models, session.tenant_id, session.user_id, unread_only)
            .await
            .map_err(read_model_error)?;
        let ids: Vec<Uuid> = pushes.iter().map(|push| push.article.article_id).collect();
        let article_context = article_context(state, session, &ids).await?;
        Ok(pushes
            .into_iter()
            .map(|push| KnowledgePush {
                article: article_context.article(push.article),
                note: push.note,
                pushed_by_name: push.pushed_by_name,
                pushed_at: push.pushed_at,
                read: push.read,
            })
            .collect())
    }

    /// Searches that found nothing and are not resolved yet, most missed first (knowledge.edit).
    async fn knowledge_gaps(
        &self,
        context: &Context<'_>,
        #[graphql(default = 50)] first: usize,
    ) -> async_graphql::Result<Vec<KnowledgeGap>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, EDIT_PERMISSION)?;
        let gaps =
            read_model::open_gaps(&state.read_models, session.tenant_id, first).await.map_err(read_model_error)?;
        Ok(gaps.into_iter().map(KnowledgeGap::from).collect())
    }
}

#[derive(Default)]
pub struct KnowledgeMutation;

#[Object]
impl KnowledgeMutation {
    /// Replaces the whole category tree (knowledge.edit).
    async fn define_knowledge_categories(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        categories: Vec<KnowledgeCategoryInput>,
    ) -> async_graphql::Result<Vec<KnowledgeCategory>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, EDIT_PERMISSION)?;
        let occupied: HashSet<Uuid> =
            read_model::occupied_categories(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        let categories: Vec<Category> = categories.into_iter().map(Category::from).collect();
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state
            .knowledge
            .define_categories(session, command_id, categories, &occupied, Utc::now())
            .await
            .or_graphql_error()?;
        KnowledgeQueryRoot.knowledge_categories(context).await
    }

    async fn save_knowledge_article(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        input: KnowledgeArticleInput,
    ) -> async_graphql::Result<KnowledgeArticle> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let input = ArticleInput {
            article_id: input.id,
            expected_revision: input.expected_revision,
            category_id: input.category_id,
            title: input.title,
            keywords: input.keywords,
            summary: input.summary,
            body_html: input.body_html,
            attachment_ids: input.attachment_ids,
            quiz: input.quiz.into_iter().map(Into::into).collect(),
            published: input.published,
        };
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let (article_id, outcome) =
            state.knowledge.save_article(session, command_id, input, Utc::now()).await.or_graphql_error()?;
        catch_up(state, &outcome).await;
        visible_article(state, session, article_id).await?.ok_or_else(|| not_found(article_id))
    }

    async fn delete_knowledge_article(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        id: Uuid,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let outcome = state.knowledge.delete_article(session, command_id, id, Utc::now()).await.or_graphql_error()?;
        catch_up(state, &outcome).await;
        Ok(true)
    }

    async fn set_knowledge_favourite(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        article_id: Uuid,
        favourite: bool,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state
            .knowledge
            .set_favourite(session, command_id, article_id, favourite, Utc::now())
            .await
            .or_graphql_error()?;
        catch_up_read_models(state).await;
        Ok(favourite)
    }

    /// Pushes an article to users of the tenant (knowledge.push); returns how many received it.
    async fn push_knowledge_article(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        article_id: Uuid,
        user_ids: Vec<Uuid>,
        #[graphql(default)] note: String,
    ) -> async_graphql::Result<usize> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, hotline_command_api::knowledge::service::PUSH_PERMISSION)?;
        let recipients: HashSet<Uuid> = user_ids.into_iter().collect();
        for user_id in &recipients {
            let user = hotline_projections::get_user(&state.read_models, session.tenant_id, *user_id)
                .await
                .map_err(read_model_error)?;
            if user.is_none() {
                return Err(graphql_error(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "user.not_found",
                    format!("no user {user_id} in this tenant"),
                )));
            }
        }
        let count = recipients.len();
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state
            .knowledge
            .push_article(session, command_id, article_id, recipients.into_iter().collect(), note, Utc::now())
            .await
            .or_graphql_error()?;
        catch_up_read_models(state).await;
        Ok(count)
    }

    /// Marks an article pushed to the caller as read (nothing happens if it was read).
    async fn mark_knowledge_push_read(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        article_id: Uuid,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, READ_PERMISSION)?;
        let unread = read_model::push_unread(&state.read_models, session.tenant_id, session.user_id, article_id)
            .await
            .map_err(read_model_error)?;
        if unread {
            let command_id = command_id.unwrap_or_else(Uuid::now_v7);
            state.knowledge.mark_push_read(session, command_id, article_id, Utc::now()).await.or_graphql_error()?;
            catch_up_read_models(state).await;
        }
        Ok(true)
    }

    async fn save_knowledge_template(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        input: KnowledgeTemplateInput,
    ) -> async_graphql::Result<KnowledgeTemplate> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let input = TemplateInput { template_id: input.id, name: input.name, body_html: input.body_html };
        let (template_id, _) =
            state.knowledge.save_template(session, command_id, input, Utc::now()).await.or_graphql_error()?;
        let templates = state.knowledge.templates(session.tenant_id).await.or_graphql_error()?;
        templates
            .into_iter()
            .find(|template| template.template_id == template_id)
            .map(KnowledgeTemplate::from)
            .ok_or_else(|| async_graphql::Error::new("the template is not readable yet; retry"))
    }

    async fn delete_knowledge_template(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        id: Uuid,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state.knowledge.delete_template(session, command_id, id, Utc::now()).await.or_graphql_error()?;
        Ok(true)
    }

    /// Takes a query off the knowledge-to-add list (answered by articleId, or dismissed).
    async fn resolve_knowledge_gap(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        query: String,
        article_id: Option<Uuid>,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state.knowledge.resolve_gap(session, command_id, &query, article_id, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        Ok(true)
    }
}
