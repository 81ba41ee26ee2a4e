//! Discovery of names that are not in the knowledge base.
//!
//! News names more villages, commanders, victims, brigades and outlets than
//! any list holds. Arabic news introduces most of them with a noun that says
//! what they are (`قرية X`, `لواء X`, `القيادي X`, `شبكة X`, `ميليشيا "X"`).
//! The rules in `data/kb/triggers.json` pair such triggers with the shape of
//! the name that follows:
//! - quoted or parenthesized: the name runs to the closing mark (≤ 6 words);
//! - otherwise 1–`max_words` words, stopping at punctuation, stop words,
//!   place nouns and prepositions; a second word is only taken when the
//!   first is a typical name head (`دير حسان`, `تل أبيض`, `أبو سلطان`) or,
//!   for people, until the first word with the article (the family name:
//!   `محمد هيثم العكل`).
//!
//! A quoted phrase that starts with a group or outlet noun names a group or
//! an outlet (`"قوات تحرير عفرين"`), and a quoted name after `لـ` near a verb
//! of saying is an outlet (`قال لـ"عنب بلدي"`).
//!
//! The tagger resolves what this module proposes against the knowledge
//! base: a discovered name that equals a KB alias becomes that KB entity.

use rasd_model::EntityType;

use crate::matcher::Word;
use crate::rules::{DiscoveryRule, Rules, Tails};

/// A name proposed by a trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Discovered {
    /// Byte span of the name in the matching text.
    pub start: usize,
    pub end: usize,
    pub first_word: usize,
    pub last_word: usize,
    pub entity_type: EntityType,
    /// Whether the name was delimited by quotes or parentheses.
    pub quoted: bool,
    /// Where the name starts without its trigger (`= start` unless the
    /// trigger is part of the name, as in `حي X`).
    pub name_start: usize,
}

fn is_open(c: char) -> bool {
    matches!(c, '"' | '(' | '«')
}

fn is_close(c: char) -> bool {
    matches!(c, '"' | ')' | '»')
}

/// Whether a gap between words ends with an opening mark (after spaces).
/// Most gaps are one space and are answered without `trim_end`.
#[inline]
fn opens(gap: &str) -> bool {
    gap != " " && gap.trim_end().ends_with(is_open)
}

struct Scan<'a> {
    text: &'a str,
    words: &'a [Word],
    rules: &'a Rules,
}

impl<'a> Scan<'a> {
    #[inline]
    fn word(&self, i: usize) -> &'a str {
        let w = self.words[i];
        &self.text[w.start..w.end]
    }

    #[inline]
    fn gap(&self, i: usize) -> &'a str {
        if i == 0 {
            return &self.text[..self.words[0].start];
        }
        &self.text[self.words[i - 1].end..self.words[i].start]
    }

    /// Whether the gap before word `i` ends with an opening mark; a gap of
    /// one space (most of them) is answered from the bytes.
    #[inline]
    fn gap_opens(&self, i: usize) -> bool {
        let start = if i == 0 { 0 } else { self.words[i - 1].end };
        let end = self.words[i].start;
        if end == start + 1 && self.text.as_bytes()[start] == b' ' {
            return false;
        }
        opens(self.gap(i))
    }

    #[inline]
    fn same_sentence(&self, a: usize, b: usize) -> bool {
        self.words[a].sentence == self.words[b].sentence
    }

    fn is_stop(&self, w: &str) -> bool {
        let r = self.rules;
        r.stop_words.contains(w)
            || r.in_set(&r.stop_words, w)
            || r.in_set(&r.place_nouns, w)
            || r.in_set(&r.place_prepositions, w)
            || r.in_set(&r.currency_words, w)
            || w.chars().all(|c| c.is_ascii_digit())
    }

    /// A quoted phrase starting at word `k` (its gap holds the opening
    /// mark): the index of its last word, if it closes within 6 words on
    /// the same line.
    fn quoted_phrase(&self, k: usize) -> Option<usize> {
        if !opens(self.gap(k)) {
            return None;
        }
        for j in k..(k + 6).min(self.words.len()) {
            if !self.same_sentence(k, j) {
                return None;
            }
            if j > k {
                let g = self.gap(j);
                if g.chars().any(|c| c != ' ') {
                    return None;
                }
            }
            let after = self.text[self.words[j].end..].trim_start_matches(' ');
            if after.starts_with(is_close) {
                return Some(j);
            }
        }
        None
    }

    /// `مجلس منبج العسكري`: 1–`max_words` name words from `k`, then an end
    /// word of the rule; the index of the end word.
    // Kept out of the scan loop, like `bare_name` and the two passes after
    // it: inlined, they made the loop itself slower (measured).
    #[inline(never)]
    fn name_before_end_word(&self, k: usize, rule: &DiscoveryRule) -> Option<usize> {
        let r = self.rules;
        for j in k..(k + rule.max_words + 1).min(self.words.len()) {
            if !self.same_sentence(k, j) || (j > k && self.gap(j) != " ") {
                return None;
            }
            let w = self.word(j);
            if j > k && rule.end_words.contains(w) {
                return Some(j);
            }
            if (self.is_stop(w) || r.in_set(&r.common_words, w)) && !r.name_heads.contains(w) {
                return None;
            }
        }
        None
    }

    /// The unquoted name after a trigger, starting at word `k`: index of
    /// its last word.
    #[inline(never)]
    fn bare_name(&self, k: usize, rule: &DiscoveryRule) -> Option<usize> {
        let r = self.rules;
        let first = self.word(k);
        if self.is_stop(first) || first.chars().count() < 2 {
            return None;
        }
        let latin = first.chars().all(|c| c.is_ascii_alphanumeric());
        if rule.quoted_only && !(rule.latin_ok && latin) {
            return None;
        }
        let definite = first.starts_with("ال");
        let head = r.name_heads.contains(first);
        // Verbs (`منطقة تخضع`) and words with a pronoun suffix
        // (`منطقة عملياتها`) are not names.
        let verb_like = first.starts_with('ي') && !head;
        let pronoun = ["ها", "هم", "هما", "كم", "نا"]
            .iter()
            .any(|suf| first.ends_with(suf) && first.chars().count() > 4);
        // A past-tense verb (`فرقه انتشلت`: "its teams recovered") or a
        // passive participle (`أحياء مأهولة`: "inhabited") is no name.
        let n_chars = first.chars().count();
        let past_verb = !definite && first.starts_with('ا') && first.ends_with('ت') && n_chars >= 5;
        let participle = !definite
            && first.starts_with('م')
            && n_chars == 6
            && first.chars().nth(3) == Some('و')
            && (first.ends_with('ه') || first.ends_with('ة'));
        if !latin && (verb_like || pronoun) {
            return None;
        }
        if !latin && !head && rule.entity_type != EntityType::Person && (past_verb || participle) {
            return None;
        }
        // An indefinite word ending in a nisba is an adjective
        // (`لواء عسكري`, `حي سكني`), not a name.
        let adjective = !definite && (first.ends_with('ي') || first.ends_with("يه"));
        if rule.definite_first && !definite && (adjective || r.in_set(&r.common_words, first)) {
            return None;
        }
        if rule.entity_type == EntityType::Location
            && rule.keep_trigger
            && !definite
            && (adjective || rule.definite_first)
        {
            return None;
        }
        if rule.person_name && definite {
            return None;
        }
        // After a title, the name must look like one (`قائد شرطة حمص
        // العميد X`: `شرطة` starts a group, not a person).
        if rule.person_name && !self.name_word(first) {
            return None;
        }
        if rule.name_like && r.in_set(&r.common_words, first) && !head {
            return None;
        }
        let mut last = k;
        let mut counted = 1;
        // A village may have a second word with the article (`قرية رسم
        // الرواضي`, `صيدا الحانوت`) when it is no adjective or stop word.
        let definite_second = || {
            let j = k + 1;
            j < self.words.len()
                && self.same_sentence(k, j)
                && self.gap(j) == " "
                && self.word(j).starts_with("ال")
                && !self.is_stop(self.word(j))
                && !r.in_set(&r.common_words, self.word(j))
                && !r.in_set(&r.generic_place_words, self.word(j))
        };
        let mut allow_more = match rule.entity_type {
            EntityType::Person => !definite,
            EntityType::Location => {
                head || (!rule.keep_trigger && !definite && !adjective && definite_second())
            }
            _ => true,
        };
        let mut j = k + 1;
        while allow_more && counted < rule.max_words && j < self.words.len() {
            if !self.same_sentence(k, j) || self.gap(j) != " " {
                break;
            }
            let w = self.word(j);
            let connector = r.name_heads.contains(w);
            if self.is_stop(w) && !connector {
                break;
            }
            match rule.entity_type {
                EntityType::Person => {
                    // A second title starts over (`شرطة حمص العميد X`).
                    if r.person_triggers.contains(w) {
                        break;
                    }
                    // `X وY` after a full name is a second person
                    // (`عمار شرتح وماهر جبس`); right after a first name it
                    // is the family name (`حسين وردة`).
                    if w.starts_with('و') && !connector && counted >= 2 {
                        break;
                    }
                    last = j;
                    if !connector {
                        counted += 1;
                    }
                    // The family name (with the article) ends the name.
                    if w.starts_with("ال") {
                        allow_more = false;
                    }
                }
                EntityType::ArmedGroup => {
                    if !w.starts_with("ال") && !w.chars().all(|c| c.is_ascii_digit()) {
                        break;
                    }
                    last = j;
                    counted += 1;
                }
                EntityType::Location => {
                    last = j;
                    counted += 1;
                    allow_more = connector;
                }
                _ => {
                    // A common word ends the name unless it completes a
                    // name head (`رأس العين`).
                    let after_head = r.name_heads.contains(self.word(j - 1));
                    if r.in_set(&r.common_words, w)
                        && !w.chars().any(|c| c.is_ascii_digit())
                        && !after_head
                    {
                        break;
                    }
                    last = j;
                    counted += 1;
                }
            }
            j += 1;
        }
        // A person is named by at least two words (`محمد القادري`,
        // `أبو غنوم`); one word after a title is too often a common noun.
        if rule.person_name && last == k {
            return None;
        }
        // Digits right after a media name belong to it (`دير الزور 24`).
        if rule.entity_type == EntityType::Media && last + 1 < self.words.len() {
            let n = self.word(last + 1);
            if self.gap(last + 1) == " " && n.chars().all(|c| c.is_ascii_digit()) {
                last += 1;
            }
        }
        Some(last)
    }
}

/// Propose names in a matching text.
pub fn discover(text: &str, words: &[Word], rules: &Rules) -> Vec<Discovered> {
    let s = Scan { text, words, rules };
    let mut out = Vec::with_capacity(words.len() / 32 + 4);
    // Words that may be given names, for `given_names`.
    let mut maybe_given = Vec::with_capacity(words.len() / 4);
    let n = words.len();
    let mut i = 0;
    while i < n {
        let w = s.word(i);
        let tails = Tails::of(w);
        // The word and the word without `و` both end it.
        if rules.first_name_tails.may_end_with(&tails) {
            maybe_given.push(i);
        }
        // Quoted phrases with a typed head word, and `لـ"X"` after saying.
        if s.gap_opens(i) {
            if let Some(last) = s.quoted_phrase(i) {
                let head = rules
                    .stems(w)
                    .find_map(|st| rules.quoted_heads.get(st).copied());
                let ty = head.filter(|_| last > i).or_else(|| {
                    let after_lam = i > 0 && s.word(i - 1) == "ل" && s.gap(i).trim() == "\"";
                    // Only looked for after `لـ"`.
                    let saying = || {
                        (i.saturating_sub(10)..i).any(|j| {
                            s.same_sentence(j, i) && rules.in_set(&rules.saying_verbs, s.word(j))
                        })
                    };
                    (after_lam && saying()).then_some(EntityType::Media)
                });
                if let Some(ty) = ty {
                    let (start, first_word) = match head {
                        // The head word keeps no proclitic: `بـ"قوات`.
                        Some(_) => {
                            let st = rules
                                .stems(w)
                                .find(|st| rules.quoted_heads.contains_key(*st))
                                .unwrap_or(w);
                            (words[i].end - st.len(), i)
                        }
                        None => (words[i].start, i),
                    };
                    out.push(Discovered {
                        start,
                        end: words[last].end,
                        first_word,
                        last_word: last,
                        entity_type: ty,
                        quoted: true,
                        name_start: start,
                    });
                }
            }
        }
        // Trigger words. Every stem is a suffix of the word: most words
        // end like no trigger and need no lookup.
        if rules.trigger_tails.may_end_with(&tails) {
            // (rule, trigger start byte, last trigger word)
            let mut matched_rules: smallvec::SmallVec<[(usize, usize, usize); 4]> =
                smallvec::SmallVec::new();
            for stem in rules.stems(w) {
                if !rules.trigger_heads.may_be(stem) {
                    continue;
                }
                if let Some(list) = rules.triggers.get(stem) {
                    for (second, ri) in list {
                        let last_trigger = match second {
                            None => i,
                            Some(sec) => {
                                if i + 1 < n && s.word(i + 1) == sec && s.gap(i + 1) == " " {
                                    i + 1
                                } else {
                                    continue;
                                }
                            }
                        };
                        let start = words[i].end - stem.len();
                        if !matched_rules.iter().any(|&(r, _, _)| r == *ri) {
                            matched_rules.push((*ri, start, last_trigger));
                        }
                    }
                }
            }
            for (ri, trigger_start, last_trigger) in matched_rules {
                let rule = &rules.discovery[ri];
                let mut k = last_trigger + 1;
                // Titles between the trigger and the name (`العميد الركن X`).
                let mut skipped = 0;
                while k < n
                    && skipped < 2
                    && s.same_sentence(i, k)
                    && s.gap(k) == " "
                    && (rule.skip_after_trigger.contains(s.word(k))
                        || (rule.entity_type == EntityType::Person && {
                            let x = s.word(k);
                            x.starts_with("ال") && x.ends_with('ي') && !rules.stop_words.contains(x)
                        }))
                {
                    k += 1;
                    skipped += 1;
                }
                if k >= n || !s.same_sentence(last_trigger, k) {
                    continue;
                }
                let gap = s.gap(k);
                let (last, quoted) = if opens(gap) {
                    match s.quoted_phrase(k) {
                        // `تدعى "ميليشيا آل البيت"` names a group, not a person.
                        Some(_) if rule.person_name && !s.name_part(k) => continue,
                        Some(l) => (l, true),
                        None => continue,
                    }
                } else if gap != " " {
                    continue;
                } else if !rule.end_words.is_empty() {
                    match s.name_before_end_word(k, rule) {
                        Some(l) => (l, false),
                        None => continue,
                    }
                } else {
                    match s.bare_name(k, rule) {
                        Some(l) => (l, false),
                        None => continue,
                    }
                };
                let (start, first_word) = if rule.keep_trigger && !quoted {
                    (trigger_start, i)
                } else {
                    (words[k].start, k)
                };
                out.push(Discovered {
                    start,
                    end: words[last].end,
                    first_word,
                    last_word: last,
                    entity_type: rule.entity_type,
                    quoted,
                    name_start: words[k].start,
                });
                // `قرى X وY وZ`: coordinated names after a list trigger.
                if rule.list && !quoted {
                    let mut j = last + 1;
                    let mut items = 0;
                    while j < n
                        && items < 6
                        && s.same_sentence(k, j)
                        && matches!(s.gap(j), " " | "، ")
                    {
                        let x = s.word(j);
                        let Some(rest) = x.strip_prefix('و') else {
                            break;
                        };
                        if rest.chars().count() < 2
                            || s.is_stop(rest)
                            || rules.in_set(&rules.common_words, rest)
                        {
                            break;
                        }
                        out.push(Discovered {
                            start: words[j].start + 'و'.len_utf8(),
                            end: words[j].end,
                            first_word: j,
                            last_word: j,
                            entity_type: rule.entity_type,
                            quoted: false,
                            name_start: words[j].start + 'و'.len_utf8(),
                        });
                        items += 1;
                        j += 1;
                    }
                }
            }
        }
        i += 1;
    }
    given_names(&s, &maybe_given, &mut out);
    aged_names(&s, &mut out);
    out
}

impl<'a> Scan<'a> {
    /// The word without a leading `و` (`وبشار` → `بشار`), and whether it
    /// had one.
    fn without_and(&self, i: usize) -> (&'a str, bool) {
        let w = self.word(i);
        match w.strip_prefix('و') {
            Some(rest) if rest.chars().count() >= 2 && !self.rules.first_names.contains(w) => {
                (rest, true)
            }
            _ => (w, false),
        }
    }

    /// Can word `j` continue a person's name? Given names always can; other
    /// words must not be stop words, place nouns, common words, titles,
    /// digits, verbs (`ي…`) or carry a pronoun suffix.
    fn name_part(&self, j: usize) -> bool {
        self.name_word(self.word(j))
    }

    fn name_word(&self, w: &str) -> bool {
        let r = self.rules;
        if r.first_names.contains(w) || r.name_heads.contains(w) {
            return true;
        }
        // A preposition fused with the article (`للصحافيين`, `بالمدينة`)
        // starts a phrase, not a name.
        let fused_article = ["لل", "بال", "وال", "فال", "كال"]
            .iter()
            .any(|p| w.starts_with(p) && w.chars().count() > 4);
        if w.chars().count() < 2
            || fused_article
            || w.starts_with('و')
            || self.is_stop(w)
            || r.common_words.contains(w)
            || r.person_triggers.contains(w)
            || r.other_triggers.contains(w)
            || r.saying_verbs.contains(w)
            || w.chars().any(|c| c.is_ascii_digit())
        {
            return false;
        }
        let verb_like = (w.starts_with('ي') || w.starts_with('ت')) && w.chars().count() >= 4;
        let pronoun = ["ها", "هم", "هما", "كم", "نا"]
            .iter()
            .any(|suf| w.ends_with(suf) && w.chars().count() > 4);
        !verb_like && !pronoun
    }
}

/// Full names that start with a given name from `first_names`: the given
/// name and 1–3 following name words, up to the first word with the
/// article (the family name: `محمود محمد العتمة`, `نايف عودة نايف
/// الصريخي`). A compound head keeps its next word (`عبد الله الفروح`).
/// Coordinated names each start over (`عمار شرتح وماهر جبس`). A given name
/// right after a place noun or another type's trigger is part of that name
/// (`مسجد عمر`, `لواء عمر المختار`), and one word alone is never taken.
///
/// `maybe` lists, in order, the words that may be a given name (with or
/// without `و`), see [`discover`].
#[inline(never)]
fn given_names(s: &Scan, maybe: &[usize], out: &mut Vec<Discovered>) {
    let r = s.rules;
    let n = s.words.len();
    // The first word not yet taken by a name.
    let mut next = 0;
    for &i in maybe {
        if i < next {
            continue;
        }
        let (w, and) = s.without_and(i);
        if !r.first_names.contains(w) {
            continue;
        }
        if i > 0 && s.same_sentence(i - 1, i) && s.gap(i) == " " && !and {
            let prev = s.word(i - 1);
            if r.in_set(&r.name_heads, prev)
                || r.in_set(&r.place_nouns, prev)
                || r.stems(prev).any(|st| r.other_triggers.contains(st))
            {
                continue;
            }
        }
        let mut last = i;
        let mut compound = r.name_heads.contains(w);
        let mut j = i + 1;
        while j < n && j - i < 4 && s.same_sentence(i, j) && s.gap(j) == " " {
            let x = s.word(j);
            if (!compound || x.starts_with('و')) && !s.name_part(j) {
                break;
            }
            last = j;
            j += 1;
            if x.starts_with("ال") && !compound {
                break;
            }
            compound = r.name_heads.contains(x);
        }
        // `عبد الله`, `صلاح الدين` alone are given names, not full names
        // (and `صلاح الدين` is also a governorate).
        let words = last - i + 1;
        let compound_given =
            words == 2 && (r.name_heads.contains(w) || ["الدين", "الله"].contains(&s.word(last)));
        if words >= 2 && !compound_given {
            let start = s.words[i].end - w.len();
            out.push(Discovered {
                start,
                end: s.words[last].end,
                first_word: i,
                last_word: last,
                entity_type: EntityType::Person,
                quoted: false,
                name_start: start,
            });
        }
        next = last + 1;
    }
}

/// A name followed by an age in parentheses is a person (`خيرو حسن (36
/// عاماً)`): the 2–4 name words before `(`, from the first word after a
/// stop word, title or conjunction, without leading words with the
/// article.
#[inline(never)]
fn aged_names(s: &Scan, out: &mut Vec<Discovered>) {
    let r = s.rules;
    let n = s.words.len();
    for k in 1..n.saturating_sub(1) {
        // Most words do not even start with a digit.
        if !s.text.as_bytes()[s.words[k].start].is_ascii_digit() {
            continue;
        }
        let num = s.word(k);
        if !num.chars().all(|c| c.is_ascii_digit())
            || !s.gap(k).trim_end().ends_with('(')
            || !r.in_set(&r.age_words, s.word(k + 1))
            || !s.same_sentence(k - 1, k)
        {
            continue;
        }
        let last = k - 1;
        // (first word, byte start of the name in it)
        let mut begin: Option<(usize, usize)> = None;
        let mut j = last;
        loop {
            let (w, and) = s.without_and(j);
            if and {
                if s.name_word(w) {
                    begin = Some((j, s.words[j].end - w.len()));
                }
                break;
            }
            // The word right before the age is a name whatever it is
            // (`إسراء السيد علي (30 عاماً)`, where `علي` folds to `على`).
            if !(s.name_part(j) || (j == last && s.word(j).chars().count() >= 2)) {
                break;
            }
            begin = Some((j, s.words[j].start));
            if j == 0 || last - j >= 3 || !s.same_sentence(j - 1, j) || s.gap(j) != " " {
                break;
            }
            j -= 1;
        }
        let Some((mut first, mut start)) = begin else {
            continue;
        };
        // A name does not start with the article.
        while first < last && s.word(first).starts_with("ال") {
            first += 1;
            start = s.words[first].start;
        }
        if first >= last {
            continue;
        }
        let begin = first;
        out.push(Discovered {
            start,
            end: s.words[last].end,
            first_word: begin,
            last_word: last,
            entity_type: EntityType::Person,
            quoted: false,
            name_start: start,
        });
    }
}
