//! Civility awards (文明评选, DESIGN §6): `/awards` (the campaigns), `/awards/new` (the
//! committee creates one), `/awards/:id` (a campaign: its categories and their nominations,
//! endorsing, the committee's shortlist, public votes and announcement). Text comes from the
//! `awards` locale pack; every button shown is one the server's `viewerCan` allows.

use crate::api::awards::{
    self, Campaign, CampaignPhase, NewCampaign, NewCategory, Nomination, NominationAct,
    NominationStatus, NomineeKind,
};
use crate::api::ApiError;
use crate::components::{
    confirm, error_text, format_date, local_input_to_utc, local_input_value, CommitteeOnly,
    ErrorBanner, InCommunity, Loading, WithPack,
};
use crate::i18n::{k, t, tf, tv};
use crate::nav::use_navigate;
use crate::nav::NavigateOptions;
use crate::pages::ballot::BallotCard;
use leptos::prelude::*;

pub fn phase_key(p: CampaignPhase) -> &'static str {
    match p {
        CampaignPhase::Nominating => k("awards.phase.NOMINATING"),
        CampaignPhase::Endorsing => k("awards.phase.ENDORSING"),
        CampaignPhase::Reviewing => k("awards.phase.REVIEWING"),
        CampaignPhase::Announced => k("awards.phase.ANNOUNCED"),
        CampaignPhase::Unknown => k("awards.phase.UNKNOWN"),
    }
}

pub fn kind_key(kind: NomineeKind) -> &'static str {
    match kind {
        NomineeKind::Household => k("awards.kind.HOUSEHOLD"),
        NomineeKind::Building => k("awards.kind.BUILDING"),
        NomineeKind::Resident => k("awards.kind.RESIDENT"),
        NomineeKind::Unknown => k("awards.kind.UNKNOWN"),
    }
}

pub fn status_key(s: NominationStatus) -> &'static str {
    match s {
        NominationStatus::AwaitingConsent => k("awards.status.AWAITING_CONSENT"),
        NominationStatus::Open => k("awards.status.OPEN"),
        NominationStatus::Declined => k("awards.status.DECLINED"),
        NominationStatus::Qualified => k("awards.status.QUALIFIED"),
        NominationStatus::Shortlisted => k("awards.status.SHORTLISTED"),
        NominationStatus::Awarded => k("awards.status.AWARDED"),
        NominationStatus::NotSelected => k("awards.status.NOT_SELECTED"),
        NominationStatus::Unknown => k("awards.status.UNKNOWN"),
    }
}

/// The phase as a tag; `data-phase` carries the schema name for tests and styles.
#[component]
pub fn PhaseTag(phase: CampaignPhase) -> impl IntoView {
    view! {
        <span class="status" data-testid="campaign-phase" data-phase=phase.as_str()>{move || t(phase_key(phase))}</span>
    }
}

/// `/awards`: the community's campaigns, newest first.
#[component]
pub fn AwardsPage() -> impl IntoView {
    view! {
        <WithPack pack="awards" page=|| view! {
            <section class="page">
                <div class="page-head">
                    <h1>{tv("awards.title")}</h1>
                    <a href="/honour-roll" class="button" data-testid="honour-roll-link">{tv("awards.honour_roll_link")}</a>
                </div>
                <InCommunity page=|info| {
                    let committee = info.can.run_campaigns;
                    let community = StoredValue::new(info.community.map(|c| c.id).unwrap_or_default());
                    let list = LocalResource::new(move || async move { awards::campaigns(&community.get_value(), None).await });
                    view! {
                        {committee.then(|| view! {
                            <p><a href="/awards/new" class="button primary" data-testid="new-campaign-link">{tv("awards.new")}</a></p>
                        })}
                        {move || match list.get() {
                            None => view! { <Loading /> }.into_any(),
                            Some(Err(e)) => view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }.into_any(),
                            Some(Ok(page)) if page.nodes.is_empty() => view! { <p class="empty">{tv("awards.none")}</p> }.into_any(),
                            Some(Ok(page)) => view! {
                                <ul class="topics" data-testid="campaigns">
                                    {page.nodes.into_iter().map(|c| {
                                        let (title, year) = (c.title.clone(), c.year.to_string());
                                        view! {
                                            <li class="topic" data-testid="campaign-item">
                                                <a href=format!("/awards/{}", c.id) class="topic-link">
                                                    {move || tf("awards.item_title", &[("title", &title), ("year", &year)])}
                                                </a>
                                                <p class="topic-meta"><PhaseTag phase=c.phase /></p>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                        }}
                    }
                } />
            </section>
        } />
    }
}

/// `/awards/new`: the committee describes a campaign (three usual categories to start from).
#[component]
pub fn CampaignNew() -> impl IntoView {
    view! {
        <WithPack pack="awards" page=|| view! {
            <section class="page">
                <p><a href="/awards" class="back-link">{tv("awards.back")}</a></p>
                <h1>{tv("new.title")}</h1>
                <CommitteeOnly can=|c| c.run_campaigns page=|community| view! { <CampaignForm community_id=community.id /> } />
            </section>
        } />
    }
}

/// One category row of the form.
#[derive(Clone, Copy)]
struct CategoryRow {
    name: RwSignal<String>,
    kind: RwSignal<NomineeKind>,
    winners: RwSignal<String>,
}

impl CategoryRow {
    fn new(name: String, kind: NomineeKind, winners: i64) -> Self {
        Self {
            name: RwSignal::new(name),
            kind: RwSignal::new(kind),
            winners: RwSignal::new(winners.to_string()),
        }
    }
}

const DAY_MS: f64 = 24.0 * 3600.0 * 1000.0;

#[component]
fn CampaignForm(community_id: String) -> impl IntoView {
    let navigate = use_navigate();
    let year = js_sys::Date::new_0().get_full_year() as i64;
    let title = RwSignal::new(tf("new.default_title", &[("year", &year.to_string())]));
    let year_text = RwSignal::new(year.to_string());
    let threshold = RwSignal::new("10".to_string());
    let rows = RwSignal::new(vec![
        CategoryRow::new(t("new.default_household"), NomineeKind::Household, 5),
        CategoryRow::new(t("new.default_building"), NomineeKind::Building, 1),
        CategoryRow::new(t("new.default_resident"), NomineeKind::Resident, 3),
    ]);
    let nominate_until = RwSignal::new(local_input_value(14.0 * DAY_MS));
    let endorse_until = RwSignal::new(local_input_value(28.0 * DAY_MS));
    let review_until = RwSignal::new(local_input_value(42.0 * DAY_MS));
    let error = RwSignal::new(None::<ApiError>);
    let community = StoredValue::new(community_id);
    let submit = Action::new_unsync(move |new: &NewCampaign| {
        let new = new.clone();
        async move { awards::create(&new).await }
    });
    Effect::new(move || match submit.value().get() {
        Some(Ok(c)) => navigate(&format!("/awards/{}", c.id), NavigateOptions::default()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // A number that does not parse is sent as 0: the server refuses it with its own message.
    let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<i64>().unwrap_or(0);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let when = |s: RwSignal<String>| local_input_to_utc(&s.get_untracked()).unwrap_or_default();
        submit.dispatch(NewCampaign {
            community_id: community.get_value(),
            title: title.get_untracked(),
            year: number(year_text),
            endorsement_threshold: number(threshold),
            categories: rows
                .get_untracked()
                .into_iter()
                .map(|r| NewCategory {
                    name: r.name.get_untracked(),
                    nominee_kind: r.kind.get_untracked(),
                    winners: number(r.winners),
                })
                .collect(),
            nominate_until: when(nominate_until),
            endorse_until: when(endorse_until),
            review_until: when(review_until),
        });
    };
    view! {
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        <form class="form" on:submit=on_submit novalidate>
            <div class="field">
                <label for="campaign-title">{tv("new.name")}</label>
                <input id="campaign-title" type="text" maxlength="100" data-testid="campaign-title" bind:value=title />
            </div>
            <div class="field">
                <label for="campaign-year">{tv("new.year")}</label>
                <input id="campaign-year" type="number" inputmode="numeric" bind:value=year_text />
            </div>
            <div class="field">
                <label for="campaign-threshold">{tv("new.threshold")}</label>
                <input id="campaign-threshold" type="number" inputmode="numeric" min="1" data-testid="campaign-threshold" bind:value=threshold />
            </div>
            <fieldset class="field">
                <legend>{tv("new.categories")}</legend>
                {move || rows.get().into_iter().enumerate().map(|(i, row)| {
                    let (name_id, kind_id, winners_id) = (format!("category-name-{i}"), format!("category-kind-{i}"), format!("category-winners-{i}"));
                    view! {
                        <div class="card" data-testid="category-row">
                            <div class="field">
                                <label for=name_id.clone()>{tv("new.category_name")}</label>
                                <input id=name_id type="text" maxlength="40" bind:value=row.name />
                            </div>
                            <div class="field">
                                <label for=kind_id.clone()>{tv("new.category_kind")}</label>
                                <select id=kind_id on:change=move |ev| row.kind.set(NomineeKind::from_wire(&event_target_value(&ev)))>
                                    {NomineeKind::ALL.iter().map(|kind| {
                                        let kind = *kind;
                                        view! { <option value=kind.as_str() selected=move || row.kind.get() == kind>{move || t(kind_key(kind))}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for=winners_id.clone()>{tv("new.category_winners")}</label>
                                <input id=winners_id type="number" inputmode="numeric" min="1" bind:value=row.winners />
                            </div>
                            <button type="button" class="button" on:click=move |_| rows.update(|r| { if r.len() > 1 { r.remove(i); } })>
                                {tv("new.remove_category")}
                            </button>
                        </div>
                    }
                }).collect_view()}
                <button type="button" class="button" on:click=move |_| rows.update(|r| r.push(CategoryRow::new(String::new(), NomineeKind::Household, 1)))>
                    {tv("new.add_category")}
                </button>
            </fieldset>
            <div class="field">
                <label for="nominate-until">{tv("new.nominate_until")}</label>
                <input id="nominate-until" type="datetime-local" bind:value=nominate_until />
            </div>
            <div class="field">
                <label for="endorse-until">{tv("new.endorse_until")}</label>
                <input id="endorse-until" type="datetime-local" bind:value=endorse_until />
            </div>
            <div class="field">
                <label for="review-until">{tv("new.review_until")}</label>
                <input id="review-until" type="datetime-local" bind:value=review_until />
            </div>
            <button type="submit" class="button primary" data-testid="campaign-submit" disabled=move || submit.pending().get()>
                {tv("new.submit")}
            </button>
        </form>
    }
}

/// `/awards/:id`: one campaign.
#[component]
pub fn CampaignPage() -> impl IntoView {
    view! {
        <WithPack pack="awards" and="ballot" page=|| view! {
            <section class="page">
                <p><a href="/awards" class="back-link">{tv("awards.back")}</a></p>
                // The campaign's own steps come with it (`Campaign.viewerCan`), and each of its
                // ballots says what the viewer may do with it (`Ballot.viewerCan`).
                <InCommunity page=|_| view! { <CampaignLoader /> } />
            </section>
        } />
    }
}

#[component]
fn CampaignLoader() -> impl IntoView {
    let id = crate::modules::use_path_id();
    let version = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        let id = id.get();
        version.track();
        async move { awards::campaign(&id, None).await }
    });
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    // The committee's winner choice outlives the page's reloads (a vote opening or closing).
    let winners = RwSignal::new(Vec::<String>::new());
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorBanner message=Signal::derive(move || Some(error_text(&e))) /> }
                .into_any()
        }
        Some(Ok(c)) => view! { <CampaignView c=c reload=reload winners=winners /> }.into_any(),
    }
}

#[component]
fn CampaignView(
    c: Campaign,
    reload: Callback<()>,
    winners: RwSignal<Vec<String>>,
) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let can = c.viewer_can;
    let id = StoredValue::new(c.id.clone());
    // Nominations beyond the first page, loaded on request.
    let more = RwSignal::new(Vec::<Nomination>::new());
    let cursor = RwSignal::new(
        c.nominations
            .page_info
            .has_next_page
            .then(|| c.nominations.page_info.end_cursor.clone())
            .flatten(),
    );
    let load_more = Action::new_unsync(move |after: &String| {
        let (id, after) = (id.get_value(), after.clone());
        async move { awards::campaign(&id, Some(&after)).await }
    });
    Effect::new(move || match load_more.value().get() {
        Some(Ok(page)) => {
            let info = page.nominations.page_info.clone();
            more.update(|m| m.extend(page.nominations.nodes));
            cursor.set(info.has_next_page.then_some(info.end_cursor).flatten());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let advance = Action::new_unsync(move |_: &()| {
        let id = id.get_value();
        async move { awards::advance(&id).await }
    });
    let announce = Action::new_unsync(move |ids: &Vec<String>| {
        let (id, ids) = (id.get_value(), ids.clone());
        async move { awards::announce(&id, &ids).await }
    });
    Effect::new(move || {
        let done = [advance.value().get(), announce.value().get()];
        for r in done.into_iter().flatten() {
            match r {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let (title, year) = (c.title.clone(), c.year.to_string());
    let windows = (
        c.nominate_until.clone(),
        c.endorse_until.clone(),
        c.review_until.clone(),
    );
    let threshold = c.endorsement_threshold.to_string();
    let first = c.nominations.nodes.clone();
    let votes = c.votes.clone();
    // Where a vote may open (the server's rule), read again whenever a card's act changes it.
    let vote_categories = RwSignal::new(c.vote_categories.open_ballot_category_ids.clone());
    let refresh_votes = Action::new_unsync(move |_: &()| {
        let id = id.get_value();
        async move { awards::vote_categories(&id).await }
    });
    Effect::new(move || match refresh_votes.value().get() {
        Some(Ok(ids)) => vote_categories.set(ids),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let changed = Callback::new(move |_: ()| {
        refresh_votes.dispatch(());
    });
    view! {
        <div class="page-head">
            <h1 data-testid="campaign-title">{move || tf("awards.item_title", &[("title", &title), ("year", &year)])}</h1>
        </div>
        <p class="topic-meta"><PhaseTag phase=c.phase /></p>
        <p class="muted">{move || tf("awards.windows", &[
            ("nominate", &format_date(&windows.0)),
            ("endorse", &format_date(&windows.1)),
            ("review", &format_date(&windows.2)),
        ])}</p>
        <p class="muted">{move || tf("awards.threshold", &[("n", &threshold)])}</p>
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        <div class="actions">
            {can.nominate.then(|| view! {
                <a href=format!("/awards/{}/nominate", c.id) class="button primary" data-testid="nominate-link">{tv("awards.nominate")}</a>
            })}
            {can.advance.then(|| view! {
                <button type="button" class="button" data-testid="advance-campaign" disabled=advance.pending()
                    on:click=move |_| if confirm(&t("awards.advance_confirm")) { advance.dispatch(()); }>
                    {tv("awards.advance")}
                </button>
            })}
        </div>
        {c.categories.iter().map(|cat| {
            let cat_id = cat.id.clone();
            let (name, kind, n) = (cat.name.clone(), cat.nominee_kind, cat.winners.to_string());
            let in_cat = first.iter().filter(|x| x.category.id == cat.id).cloned().collect::<Vec<_>>();
            // The open vote, else the latest (the server lists them oldest first).
            let vote = votes
                .iter()
                .rev()
                .find(|v| v.category_id == cat.id && v.status == "OPEN")
                .or_else(|| votes.iter().rev().find(|v| v.category_id == cat.id))
                .cloned();
            let (vote_cat, vote_name) = (cat_id.clone(), name.clone());
            let heading = format!("category-{}", cat.id); let labelled_by = heading.clone();
            let more_id = cat_id.clone();
            // Loaded by "load more": keyed, so a card keeps its state when another page arrives.
            let loaded_here = move || {
                more.get()
                    .into_iter()
                    .filter(|x| x.category.id == more_id)
                    .collect::<Vec<_>>()
            };
            view! {
                <section class="card" aria-labelledby=labelled_by data-testid="award-category" data-category-id=cat.id.clone()>
                    <h2 id=heading>{name.clone()}</h2>
                    <p class="muted small">{move || tf("awards.category_line", &[("kind", &t(kind_key(kind))), ("winners", &n)])}</p>
                    {if in_cat.is_empty() {
                        view! { <p class="empty">{tv("awards.no_nominations")}</p> }.into_any()
                    } else {
                        ().into_any()
                    }}
                    <ul class="topics">
                        {in_cat.into_iter().map(|x| view! { <NominationCard n=x winners=winners can_award_in=can.announce on_change=changed /> }).collect_view()}
                        <For each=loaded_here key=|x: &Nomination| x.id.clone() let:x>
                            <NominationCard n=x winners=winners can_award_in=can.announce on_change=changed />
                        </For>
                    </ul>
                    {vote.map(|v| view! {
                        <h3>{tv("awards.votes_title")}</h3>
                        <BallotCard ballot_id=v.id on_change=reload />
                    })}
                    {move || vote_categories.with(|v| v.contains(&vote_cat)).then(|| view! {
                        <OpenVoteForm campaign_id=id.get_value() category_id=vote_cat.clone() category=vote_name.clone() on_opened=reload />
                    })}
                </section>
            }
        }).collect_view()}
        {move || cursor.get().map(|after| view! {
            <button type="button" class="button" data-testid="nominations-more" disabled=load_more.pending()
                on:click=move |_| { load_more.dispatch(after.clone()); }>{tv("common.load_more")}</button>
        })}
        {can.announce.then(|| view! {
            <p>
                <button type="button" class="button primary" data-testid="announce-awards" disabled=announce.pending()
                    on:click=move |_| {
                        let chosen = winners.get_untracked();
                        if confirm(&tf("awards.announce_confirm", &[("n", &chosen.len().to_string())])) {
                            announce.dispatch(chosen);
                        }
                    }>
                    {tv("awards.announce")}
                </button>
            </p>
        })}
    }
}

/// A nomination in a campaign's list: who, the story's start, the count, and the acts the
/// server allows (endorse; the committee's shortlist and winner choice).
#[component]
pub fn NominationCard(
    n: Nomination,
    winners: RwSignal<Vec<String>>,
    /// The campaign's announcement is open to the viewer (its winners are chosen here).
    can_award_in: bool,
    /// Told after each act that changed the nomination.
    #[prop(optional)]
    on_change: Option<Callback<()>>,
) -> impl IntoView {
    let current = RwSignal::new(n);
    let error = RwSignal::new(None::<ApiError>);
    let act = Action::new_unsync(move |a: &NominationAct| {
        let (id, a) = (current.with_untracked(|n| n.id.clone()), a.clone());
        async move { awards::run(&id, a).await }
    });
    Effect::new(move || match act.value().get() {
        Some(Ok(n)) => {
            error.set(None);
            current.set(n);
            if let Some(told) = on_change {
                told.run(());
            }
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let note = RwSignal::new(String::new());
    move || {
        let n = current.get();
        let id = n.id.clone();
        let count = n.endorsement_count.to_string();
        let nominator = n.nominator.name.clone();
        let story: String = n.story.chars().take(80).collect();
        let can = n.viewer_can;
        let choose_id = format!("winner-{}", n.id);
        let note_id = format!("note-{}", n.id);
        view! {
            <li class="topic" data-testid="nomination-item" data-nomination-id=id.clone() data-status=n.status.as_str()>
                <a href=format!("/nominations/{id}") class="topic-link">{n.nominee.name.clone()}</a>
                <p class="topic-meta">
                    <span class="status">{move || t(status_key(n.status))}</span>
                    <span class="tag" data-testid="endorsement-count">{move || tf("awards.endorsements", &[("n", &count)])}</span>
                </p>
                <p class="prose-text">{story} "…"</p>
                <p class="muted small">{move || tf("awards.nominated_by", &[("name", &nominator)])}</p>
                {n.shortlist_note.clone().map(|note| view! { <p class="muted small">{move || tf("awards.shortlist_note", &[("note", &note)])}</p> })}
                <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
                {can.endorse.then(|| view! {
                    <button type="button" class="button primary" data-testid="endorse" disabled=act.pending()
                        on:click=move |_| { act.dispatch(NominationAct::Endorse); }>{tv("awards.endorse")}</button>
                })}
                {n.viewer_endorsed.then(|| view! { <p class="muted small" data-testid="endorsed">{tv("awards.endorsed")}</p> })}
                {can.shortlist.then(|| view! {
                    <div class="field">
                        <label for=note_id.clone()>{tv("awards.shortlist_note_label")}</label>
                        <input id=note_id type="text" maxlength="500" bind:value=note />
                    </div>
                    <button type="button" class="button" data-testid="shortlist" disabled=act.pending()
                        on:click=move |_| { act.dispatch(NominationAct::Shortlist(note.get_untracked())); }>{tv("awards.shortlist")}</button>
                })}
                {(can_award_in && can.award).then(|| {
                    let pick = id.clone();
                    view! {
                        <div class="field check">
                            <input type="checkbox" id=choose_id.clone() data-testid="winner-choice"
                                prop:checked=move || winners.with(|w| w.contains(&pick))
                                on:change={
                                    let pick = id.clone();
                                    move |ev| {
                                        let on = event_target_checked(&ev);
                                        let pick = pick.clone();
                                        winners.update(|w| { w.retain(|x| *x != pick); if on { w.push(pick) } });
                                    }
                                } />
                            <label for=choose_id>{tv("awards.winner_choice")}</label>
                        </div>
                    }
                })}
            </li>
        }
    }
}

/// The committee opens a public approval vote on a category's shortlist (the server makes the
/// options and checks that the shortlist is long enough).
#[component]
fn OpenVoteForm(
    campaign_id: String,
    category_id: String,
    category: String,
    on_opened: Callback<()>,
) -> impl IntoView {
    let closes = RwSignal::new(local_input_value(7.0 * DAY_MS));
    let error = RwSignal::new(None::<ApiError>);
    let question = tf("awards.vote_question", &[("category", &category)]);
    let input_id = format!("vote-closes-{category_id}");
    let open = Action::new_unsync(move |closes_at: &String| {
        let (campaign, category, question, closes_at) = (
            campaign_id.clone(),
            category_id.clone(),
            question.clone(),
            closes_at.clone(),
        );
        async move { awards::open_vote(&campaign, &category, &question, &closes_at).await }
    });
    Effect::new(move || match open.value().get() {
        Some(Ok(_)) => on_opened.run(()),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    view! {
        <ErrorBanner message=Signal::derive(move || error.get().map(|e| error_text(&e))) />
        <div class="field">
            <label for=input_id.clone()>{tv("awards.vote_closes")}</label>
            <input id=input_id type="datetime-local" bind:value=closes />
        </div>
        <button type="button" class="button" data-testid="open-vote" disabled=open.pending()
            on:click=move |_| { open.dispatch(local_input_to_utc(&closes.get_untracked()).unwrap_or_default()); }>
            {tv("awards.open_vote")}
        </button>
    }
}
