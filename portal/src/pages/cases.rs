//! Mediation lists and filing (矛盾调处, DESIGN §5): `/cases` (my cases and, for a mediator,
//! the cases assigned to me), `/cases/new` (file a case) and `/committee/cases` (the
//! committee's queue with overdue flags and statistics). Text comes from the `mediation`
//! locale pack; what the viewer may do is the server's `viewerCan`.

use crate::api::mediation::{self, Case, CaseCategory, CaseStatus, CasesOf, Neighbour, NewCase};
use crate::api::{ApiError, PageInfo};
use crate::components::{
    error_text, format_date, CommitteeOnly, ErrorBanner, InCommunity, Loading, WithPack,
};
use crate::i18n::{k, t, tf, tv};
use crate::nav::use_navigate;
use crate::nav::NavigateOptions;
use leptos::prelude::*;

pub fn status_key(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Submitted => k("case.status.SUBMITTED"),
        CaseStatus::Accepted => k("case.status.ACCEPTED"),
        CaseStatus::Declined => k("case.status.DECLINED"),
        CaseStatus::RespondentDeclined => k("case.status.RESPONDENT_DECLINED"),
        CaseStatus::InMediation => k("case.status.IN_MEDIATION"),
        CaseStatus::Agreed => k("case.status.AGREED"),
        CaseStatus::Failed => k("case.status.FAILED"),
        CaseStatus::Withdrawn => k("case.status.WITHDRAWN"),
        CaseStatus::Fulfilled => k("case.status.FULFILLED"),
        CaseStatus::Closed => k("case.status.CLOSED"),
        CaseStatus::Unknown => k("case.status.UNKNOWN"),
    }
}

pub fn category_key(c: CaseCategory) -> &'static str {
    match c {
        CaseCategory::Noise => k("case.category.NOISE"),
        CaseCategory::Leaks => k("case.category.LEAKS"),
        CaseCategory::Parking => k("case.category.PARKING"),
        CaseCategory::Pets => k("case.category.PETS"),
        CaseCategory::Fees => k("case.category.FEES"),
        CaseCategory::Family => k("case.category.FAMILY"),
        CaseCategory::Other | CaseCategory::Unknown => k("case.category.OTHER"),
    }
}

/// The status as a tag; `data-status` carries the schema name for tests and styles.
#[component]
pub fn CaseStatusTag(status: CaseStatus) -> impl IntoView {
    view! {
        <span class="status" data-testid="case-status" data-status=status.as_str()>
            {move || t(status_key(status))}
        </span>
    }
}

/// One case in a list: number, category, status, the other side, overdue flag.
#[component]
fn CaseItem(case: Case) -> impl IntoView {
    let other = case
        .respondents
        .iter()
        .map(|r| r.name.clone())
        .chain(case.outside_party.clone())
        .collect::<Vec<_>>()
        .join("、");
    let waits = case.waits_for_viewer();
    let applicant = case.applicant.map(|a| a.name).unwrap_or_default();
    let created = case.created_at.clone();
    view! {
        <li class="topic" data-testid="case-item" data-case-id=case.id.clone()>
            <a href=format!("/cases/{}", case.id) class="topic-link">
                {move || tf("cases.item_title", &[("number", &case.number), ("category", &t(category_key(case.category)))])}
            </a>
            <p class="topic-meta">
                <CaseStatusTag status=case.status />
                {case.overdue.then(|| view! { <span class="tag tag-attention" data-testid="case-overdue">{tv("cases.overdue")}</span> })}
                {waits.then(|| view! { <span class="tag tag-attention">{tv("cases.waits_for_you")}</span> })}
            </p>
            <p class="muted small">
                {move || tf("cases.item_parties", &[("applicant", &applicant), ("other", &other)])}
                " · "
                {move || format_date(&created)}
            </p>
        </li>
    }
}

/// A list of cases with a "load more" button while the server has more (`of` names the list).
#[component]
fn CaseList(
    cases: Vec<Case>,
    testid: &'static str,
    of: CasesOf,
    community: String,
    page_info: PageInfo,
) -> impl IntoView {
    if cases.is_empty() {
        return view! { <p class="empty" data-testid=testid>{tv("cases.none")}</p> }.into_any();
    }
    let more = RwSignal::new(Vec::<Case>::new());
    let cursor = RwSignal::new(
        page_info
            .has_next_page
            .then_some(page_info.end_cursor)
            .flatten(),
    );
    let error = RwSignal::new(None::<ApiError>);
    let load = Action::new_unsync(move |after: &String| {
        let (community, after) = (community.clone(), after.clone());
        async move { mediation::more_cases(of, &community, &after).await }
    });
    Effect::new(move || match load.value().get() {
        Some(Ok(page)) => {
            error.set(None);
            let next = page
                .page_info
                .has_next_page
                .then_some(page.page_info.end_cursor)
                .flatten();
            more.update(|m| m.extend(page.nodes));
            cursor.set(next);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <ul class="topics" data-testid=testid>
            {cases.into_iter().map(|c| view! { <CaseItem case=c /> }).collect_view()}
            {move || more.get().into_iter().map(|c| view! { <CaseItem case=c /> }).collect_view()}
        </ul>
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        {move || cursor.get().map(|after| view! {
            <button type="button" class="button" data-testid=format!("{testid}-more") disabled=load.pending()
                on:click=move |_| { load.dispatch(after.clone()); }>{tv("common.load_more")}</button>
        })}
    }
    .into_any()
}

/// `/cases`: the viewer's cases as a party, and those they mediate.
#[component]
pub fn CasesPage() -> impl IntoView {
    view! {
        <WithPack pack="mediation" page=|| view! {
            <section class="page">
                <div class="page-head">
                    <h1>{tv("cases.title")}</h1>
                    <a href="/cases/new" class="button primary" data-testid="file-case-link">{tv("cases.file")}</a>
                </div>
                <p class="muted">{tv("cases.confidential")}</p>
                <InCommunity page=|info| {
                    let community = info.community.map(|c| c.id).unwrap_or_default();
                    let fetch_for = community.clone();
                    let lists = LocalResource::new(move || {
                        let community = fetch_for.clone();
                        async move { mediation::my_cases(&community).await }
                    });
                    move || match lists.get() {
                        None => view! { <Loading /> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                        Some(Ok(found)) => {
                            let assigned = found.assigned_cases;
                            let (mine_of, assigned_of) = (community.clone(), community.clone());
                            view! {
                                <section class="card" aria-labelledby="my-cases-title">
                                    <h2 id="my-cases-title">{tv("cases.mine")}</h2>
                                    <CaseList cases=found.my_cases.nodes testid="my-cases"
                                        of=CasesOf::Mine community=mine_of page_info=found.my_cases.page_info />
                                </section>
                                {(!assigned.nodes.is_empty()).then(|| view! {
                                    <section class="card" aria-labelledby="assigned-title">
                                        <h2 id="assigned-title">{tv("cases.assigned")}</h2>
                                        <CaseList cases=assigned.nodes testid="assigned-cases"
                                            of=CasesOf::Assigned community=assigned_of page_info=assigned.page_info />
                                    </section>
                                })}
                            }
                            .into_any()
                        }
                    }
                } />
            </section>
        } />
    }
}

/// `/committee/cases`: every case of the community, the overdue ones on request, and the
/// statistics (which name nobody).
#[component]
pub fn CaseQueue() -> impl IntoView {
    view! {
        <WithPack pack="mediation" page=|| view! {
            <section class="page">
                <h1>{tv("queue.title")}</h1>
                <CommitteeOnly can=|c| c.handle_cases page=|community| {
                    let overdue_only = RwSignal::new(false);
                    let id = community.id.clone();
                    let fetch_for = id.clone();
                    let queue = LocalResource::new(move || {
                        let id = fetch_for.clone();
                        let overdue = overdue_only.get();
                        async move { mediation::queue(&id, overdue).await }
                    });
                    view! {
                        <div class="field check">
                            <input id="overdue-only" type="checkbox" data-testid="overdue-only"
                                prop:checked=move || overdue_only.get()
                                on:change=move |ev| overdue_only.set(event_target_checked(&ev)) />
                            <label for="overdue-only">{tv("queue.overdue_only")}</label>
                        </div>
                        {move || match queue.get() {
                            None => view! { <Loading /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                            Some(Ok(q)) => {
                                let s = q.case_statistics;
                                let median = s.median_days_to_close.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
                                let (total, overdue, days) = (s.total.to_string(), s.overdue.to_string(), s.overdue_days.to_string());
                                let of = CasesOf::Community { overdue: overdue_only.get_untracked() };
                                view! {
                                    <CaseList cases=q.community_cases.nodes testid="queue"
                                        of=of community=id.clone() page_info=q.community_cases.page_info />
                                    <section class="card" aria-labelledby="stats-title" data-testid="case-stats">
                                        <h2 id="stats-title">{tv("queue.stats")}</h2>
                                        <p>{move || tf("queue.stats_line", &[("total", &total), ("overdue", &overdue), ("days", &days), ("median", &median)])}</p>
                                        <h3>{tv("queue.by_category")}</h3>
                                        <ul class="facts">
                                            {s.by_category.into_iter().map(|c| view! {
                                                <li>{move || t(category_key(c.category))} ": " {c.count}</li>
                                            }).collect_view()}
                                        </ul>
                                        <h3>{tv("queue.by_status")}</h3>
                                        <ul class="facts">
                                            {s.by_status.into_iter().map(|c| view! {
                                                <li>{move || t(status_key(c.status))} ": " {c.count}</li>
                                            }).collect_view()}
                                        </ul>
                                        <h3>{tv("queue.by_month")}</h3>
                                        <ul class="facts">
                                            {s.by_month.into_iter().map(|m| view! { <li>{m.month} ": " {m.count}</li> }).collect_view()}
                                        </ul>
                                    </section>
                                    <OverdueDaysForm community=id.clone() days=s.overdue_days on_saved=move || queue.refetch() />
                                }
                                .into_any()
                            }
                        }}
                    }
                } />
            </section>
        } />
    }
}

/// The committee sets after how many days an open case counts as overdue (the server keeps
/// the bounds and answers the number it kept).
#[component]
fn OverdueDaysForm(
    community: String,
    days: i64,
    on_saved: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let value = RwSignal::new(days.to_string());
    let error = RwSignal::new(None::<ApiError>);
    let save = Action::new_unsync(move |days: &i64| {
        let (community, days) = (community.clone(), *days);
        async move { mediation::set_overdue_days(&community, days).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            on_saved();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <form class="form card" data-testid="overdue-days-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            // Not a number: 0, which the server refuses with its own message.
            save.dispatch(value.get_untracked().trim().parse().unwrap_or(0));
        }>
            <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
            <div class="field">
                <label for="overdue-days">{tv("queue.overdue_days")}</label>
                <input id="overdue-days" type="number" inputmode="numeric" min="1" data-testid="overdue-days"
                    aria-describedby="overdue-days-hint" bind:value=value />
                <p class="hint" id="overdue-days-hint">{tv("queue.overdue_days_hint")}</p>
            </div>
            <button type="submit" class="button" data-testid="overdue-days-save" disabled=save.pending()>{tv("queue.overdue_days_save")}</button>
        </form>
    }
}

/// `/cases/new`: file a case against neighbours found by name or unit, or someone from outside.
#[component]
pub fn CaseNew() -> impl IntoView {
    view! {
        <WithPack pack="mediation" page=|| view! {
            <section class="page narrow">
                <p><a href="/cases" class="back-link">{tv("case.back")}</a></p>
                <h1>{tv("case_new.title")}</h1>
                <p class="muted">{tv("cases.confidential")}</p>
                <InCommunity page=|info| view! { <FileForm community_id=info.community.map(|c| c.id).unwrap_or_default() /> } />
            </section>
        } />
    }
}

#[component]
fn FileForm(community_id: String) -> impl IntoView {
    let navigate = use_navigate();
    let category = RwSignal::new(CaseCategory::Noise);
    let chosen = RwSignal::new(Vec::<Neighbour>::new());
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Neighbour>::new());
    let outside = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let community = StoredValue::new(community_id);

    let find = Action::new_unsync(move |text: &String| {
        let text = text.clone();
        async move { mediation::neighbours(&community.get_value(), &text).await }
    });
    Effect::new(move || match find.value().get() {
        Some(Ok(list)) => found.set(list),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let submit = Action::new_unsync(move |new: &NewCaseArgs| {
        let new = new.0.clone();
        async move { mediation::file(&new).await }
    });
    Effect::new(move || match submit.value().get() {
        Some(Ok(case)) => navigate(&format!("/cases/{}", case.id), NavigateOptions::default()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let outside_text = outside.get_untracked();
        submit.dispatch(NewCaseArgs(std::sync::Arc::new(NewCase {
            community_id: community.get_value(),
            respondent_ids: chosen.get_untracked().into_iter().map(|n| n.id).collect(),
            outside_party: (!outside_text.trim().is_empty()).then_some(outside_text),
            category: category.get_untracked(),
            description: description.get_untracked(),
            desired_outcome: outcome.get_untracked(),
        })));
    };
    let categories = move || {
        CaseCategory::ALL
            .iter()
            .map(|c| {
                let c = *c;
                view! { <option value=c.as_str() selected=move || category.get() == c>{move || t(category_key(c))}</option> }
            })
            .collect_view()
    };
    view! {
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        <form class="form" on:submit=on_submit novalidate>
            <div class="field">
                <label for="case-category">{tv("case_new.category")}</label>
                <select id="case-category" on:change=move |ev| category.set(CaseCategory::from_wire(&event_target_value(&ev)))>
                    {categories}
                </select>
            </div>
            <div class="field">
                <label for="neighbour-search">{tv("case_new.respondents")}</label>
                <p class="hint" id="neighbour-hint">{tv("case_new.respondents_hint")}</p>
                <div class="inline">
                    <input id="neighbour-search" type="search" maxlength="20" autocomplete="off"
                        aria-describedby="neighbour-hint" data-testid="neighbour-search" bind:value=search />
                    <button type="button" class="button" data-testid="neighbour-find"
                        on:click=move |_| { find.dispatch(search.get_untracked()); }>
                        {tv("case_new.find")}
                    </button>
                </div>
                <ul class="choices" aria-live="polite">
                    {move || found.get().into_iter().map(|n| {
                        let label = format!("{} · {} {}", n.name, n.building, n.unit);
                        let pick = n.clone();
                        view! {
                            <li>
                                <button type="button" class="button" data-testid="neighbour-add"
                                    on:click=move |_| chosen.update(|c| if !c.iter().any(|x| x.id == pick.id) { c.push(pick.clone()) })>
                                    {move || tf("case_new.add", &[("who", &label)])}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <ul class="chips" data-testid="chosen-respondents">
                    {move || chosen.get().into_iter().map(|n| {
                        let id = n.id.clone();
                        let name = n.name.clone();
                        view! {
                            <li>
                                <button type="button" class="chip" on:click=move |_| chosen.update(|c| c.retain(|x| x.id != id))
                                    aria-label=move || tf("case_new.remove", &[("who", &name)])>
                                    {n.name.clone()} " ×"
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
            <div class="field">
                <label for="case-outside">{tv("case_new.outside")}</label>
                <input id="case-outside" type="text" maxlength="200" aria-describedby="case-outside-hint" bind:value=outside />
                <p class="hint" id="case-outside-hint">{tv("case_new.outside_hint")}</p>
            </div>
            <div class="field">
                <label for="case-description">{tv("case_new.description")}</label>
                <textarea id="case-description" class="prose" rows="6" maxlength="2000" data-testid="case-description" bind:value=description></textarea>
            </div>
            <div class="field">
                <label for="case-outcome">{tv("case_new.outcome")}</label>
                <textarea id="case-outcome" class="prose" rows="3" maxlength="1000" data-testid="case-outcome" bind:value=outcome></textarea>
            </div>
            <button type="submit" class="button primary" data-testid="file-case-submit" disabled=move || submit.pending().get()>
                {tv("case_new.submit")}
            </button>
        </form>
    }
}

/// `NewCase` behind an `Arc`, so the action's input is cheap to clone.
#[derive(Clone)]
struct NewCaseArgs(std::sync::Arc<NewCase>);
