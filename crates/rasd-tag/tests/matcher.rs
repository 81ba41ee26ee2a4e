//! Matcher behaviour on small texts with the real knowledge base: clitics,
//! hashtags, overlapping names, adjectives, weak aliases, villages that
//! need context, discovery, title mentions and victims.

use std::sync::OnceLock;

use rasd_model::{CleanArticle, EntitySource, EntityType, TaggedArticle, TaggedEntity};
use rasd_tag::Tagger;

fn tagger() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| Tagger::load_default().expect("KB loads"))
}

fn article(title: &str, text: &str) -> CleanArticle {
    let mut a = CleanArticle::new("t", title, text);
    a.lang = "ar".into();
    a.lang_confidence = 1.0;
    a.sentences = rasd_text::sentences(text);
    a
}

fn tag(text: &str) -> TaggedArticle {
    tagger().process(&article("", text))
}

fn find<'a>(t: &'a TaggedArticle, id: &str) -> Option<&'a TaggedEntity> {
    t.entities.iter().find(|e| e.id == id)
}

fn ids(t: &TaggedArticle) -> Vec<String> {
    t.entities.iter().map(|e| e.id.clone()).collect()
}

fn has_type(t: &TaggedArticle, ty: EntityType) -> bool {
    t.entities.iter().any(|e| e.entity_type == ty)
}

/// Every mention's text equals its slice of the text.
fn check_spans(t: &TaggedArticle) {
    for e in &t.entities {
        for m in &e.mentions {
            let src = if m.in_title {
                &t.article.title
            } else {
                &t.article.text
            };
            assert_eq!(&src[m.start..m.end], m.text, "{}", e.id);
        }
    }
}

#[test]
fn proclitics_are_not_part_of_the_name() {
    let t = tag("اشتباكات بين قسد وداعش، وبالنظام السوري ولداعش خلايا.");
    check_spans(&t);
    let isis = find(&t, "ag:isis").expect("داعش found");
    let texts: Vec<&str> = isis.mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["داعش", "داعش"]);
    let gov = find(&t, "state:syrian-government").expect("النظام السوري found");
    assert_eq!(gov.mentions[0].text, "النظام السوري");
}

#[test]
fn lam_fused_article_is_matched() {
    // ل + النظام is written للنظام.
    let t = tag("قصف مدفعي تابع للنظام السوري على القرية.");
    check_spans(&t);
    let gov = find(&t, "state:syrian-government").expect("للنظام السوري");
    assert_eq!(gov.mentions[0].text, "للنظام السوري");
}

#[test]
fn a_proclitic_letter_inside_a_word_is_not_stripped() {
    // `لبنان` is not `ل + بنان` (the subdistrict بنان in Aleppo).
    let t = tag("عاد اللاجئون من لبنان أمس.");
    assert!(
        !t.entities.iter().any(|e| e.name_ar == "بنان"),
        "{:?}",
        ids(&t)
    );
}

#[test]
fn hashtags_name_what_they_spell() {
    let t = tag("انفجار جديد #دير_الزور");
    check_spans(&t);
    let e = find(&t, "sy-deir-ez-zor").expect("hashtag place");
    assert_eq!(e.mentions[0].text, "دير_الزور");
}

#[test]
fn overlapping_names_resolve_longest_first() {
    let t = tag("هاجم لواء القدس مواقع قرب مقر فيلق القدس، بينما زار وفد مدينة القدس.");
    check_spans(&t);
    let liwa = find(&t, "ag:liwa-al-quds").expect("لواء القدس");
    assert_eq!(liwa.mentions.len(), 1);
    assert_eq!(liwa.mentions[0].text, "لواء القدس");
    let force = find(&t, "ag:quds-force").expect("فيلق القدس");
    assert_eq!(force.mentions[0].text, "فيلق القدس");
    // Neither group swallowed the other's words.
    assert!(liwa.mentions[0].end <= force.mentions[0].start);
}

#[test]
fn descriptive_prefixes_stay_out_of_the_name() {
    let t = tag("تعرضت ميليشيا \"لواء القدس\" لهجوم، وكذلك مليشيا لواء القدس.");
    check_spans(&t);
    let liwa = find(&t, "ag:liwa-al-quds").unwrap();
    assert_eq!(liwa.count, 2);
    assert!(liwa.mentions.iter().all(|m| m.text == "لواء القدس"));
}

#[test]
fn country_adjectives_name_the_country() {
    let t = tag("وصلت القوات الروسية إلى المطار، بينما انسحبت الميليشيات الإيرانية.");
    check_spans(&t);
    assert!(find(&t, "state:russia").is_some(), "{:?}", ids(&t));
    assert!(find(&t, "state:iran").is_some(), "{:?}", ids(&t));
}

#[test]
fn an_adjective_in_a_group_name_adds_no_country() {
    let t = tag("قُتل عنصران من حزب الله العراقي في البادية.");
    assert!(find(&t, "ag:kataib-hezbollah").is_some(), "{:?}", ids(&t));
    assert!(find(&t, "state:iraq").is_none(), "{:?}", ids(&t));
    // The same adjective alone does name the country.
    let t = tag("عبرت الشاحنات الحدود العراقي والسوري.");
    let t2 = tag("قال مسؤول عراقي إن الجيش العراقي مستعد.");
    assert!(
        find(&t2, "state:iraq").is_some(),
        "{:?} / {:?}",
        ids(&t),
        ids(&t2)
    );
}

#[test]
fn currencies_name_no_country() {
    let t = tag("بلغ سعر الكيلو خمسة آلاف ليرة سورية.");
    assert!(find(&t, "state:syria").is_none(), "{:?}", ids(&t));
}

#[test]
fn weak_aliases_need_a_cue() {
    // `الحرة` (Alhurra) is also "the free".
    let t = tag("افتتحت المنطقة الحرة أبوابها.");
    assert!(find(&t, "media:alhurra").is_none(), "{:?}", ids(&t));
    let t = tag("قال المرصد لقناة الحرة إن الضربة طالت اجتماعاً.");
    assert!(find(&t, "media:alhurra").is_some(), "{:?}", ids(&t));
    let t = tag("وفي تصريحات نقلتها (الحرة) الأمريكية قال المرصد.");
    assert!(find(&t, "media:alhurra").is_some(), "{:?}", ids(&t));
}

#[test]
fn villages_named_like_common_words_need_context() {
    // `الثورة` is a village, and the revolution.
    let bare = tag("منذ بداية الثورة عام 2011 تغير كل شيء.");
    assert!(
        !bare
            .entities
            .iter()
            .any(|e| e.entity_type == EntityType::Location),
        "{:?}",
        ids(&bare)
    );
    let with_noun = tag("دخلت القوات قرية الثورة صباحاً.");
    let loc = with_noun
        .entities
        .iter()
        .find(|e| e.entity_type == EntityType::Location)
        .expect("قرية الثورة is a place");
    assert_eq!(loc.mentions[0].text, "الثورة");
    assert_eq!(loc.source, EntitySource::Kb);
}

#[test]
fn villages_need_a_place_noun_or_a_parent() {
    // حزارين is a village of Idlib (subdistrict Kafr Nabl): bare it is not
    // enough, with its parent or a place noun it is.
    let bare = tag("حزارين");
    assert!(!has_type(&bare, EntityType::Location), "{:?}", ids(&bare));
    let parent = tag("نزح الأهالي من حزارين بريف إدلب الجنوبي.");
    let e = parent
        .entities
        .iter()
        .find(|e| e.name_ar == "حزارين")
        .unwrap_or_else(|| panic!("{:?}", ids(&parent)));
    assert_eq!(e.id, "C4056");
    assert!(e.lat.is_some() && e.parent.is_some());
    let noun = tag("قصفت الطائرات بلدة حزارين.");
    assert!(
        noun.entities.iter().any(|e| e.id == "C4056"),
        "{:?}",
        ids(&noun)
    );
    // Joined by `و` to a village accepted before it.
    let list = tag("قصفت الطائرات قرية البارة وحزارين.");
    assert!(
        list.entities.iter().any(|e| e.id == "C4056"),
        "{:?}",
        ids(&list)
    );
}

#[test]
fn unknown_names_are_discovered_and_merged() {
    let t = tag("سيطرت الفصائل على قرية زعفرانة الغربية، ثم عادت إلى قرية زعفرانة مساءً.");
    check_spans(&t);
    let d: Vec<&TaggedEntity> = t
        .entities
        .iter()
        .filter(|e| e.source == EntitySource::Discovered)
        .collect();
    assert_eq!(d.len(), 1, "{:?}", ids(&t));
    assert_eq!(d[0].entity_type, EntityType::Location);
    assert_eq!(d[0].count, 2);
    assert!(d[0].id.starts_with("disc:location:"));
    assert_eq!(d[0].name_ar, "زعفرانة");
}

#[test]
fn discovered_people_and_groups() {
    let t = tag("اعتقلت الشرطة المدعو (محمد هيثم العكل) بعد اشتباك مع كتائب الفاروق الجديدة.");
    check_spans(&t);
    let person = t
        .entities
        .iter()
        .find(|e| e.entity_type == EntityType::Person)
        .expect("person");
    assert_eq!(person.name_ar, "محمد هيثم العكل");
    let group = t
        .entities
        .iter()
        .find(|e| e.entity_type == EntityType::ArmedGroup)
        .expect("group");
    assert_eq!(group.name_ar, "كتائب الفاروق");
}

#[test]
fn a_discovered_name_that_is_a_kb_alias_is_the_kb_entity() {
    let t = tag("وصلت التعزيزات إلى مدينة البوكمال.");
    assert!(
        t.entities.iter().all(|e| e.source == EntitySource::Kb),
        "{:?}",
        ids(&t)
    );
    assert!(t.entities.iter().any(|e| e.name_ar == "البوكمال"));
}

#[test]
fn title_mentions_are_marked_and_weigh_more() {
    let a = article(
        "غارة روسية على إدلب",
        "قتل مدنيون في دمشق. وقصفت الطائرات إدلب.",
    );
    let t = tagger().process(&a);
    check_spans(&t);
    let idlib = t
        .entities
        .iter()
        .find(|e| e.name_ar == "إدلب")
        .expect("Idlib");
    assert!(idlib.mentions.iter().any(|m| m.in_title));
    assert!(idlib.mentions.iter().any(|m| !m.in_title));
    let damascus = t
        .entities
        .iter()
        .find(|e| e.name_ar == "دمشق")
        .expect("Damascus");
    assert!(idlib.salience > damascus.salience);
    assert_eq!(idlib.salience, 1.0);
}

#[test]
fn non_arabic_articles_pass_through_untagged() {
    let mut a = article("", "Russian jets struck Idlib on Monday.");
    a.lang = "en".into();
    a.lang_confidence = 0.99;
    let t = tagger().process(&a);
    assert!(t.skipped.is_some());
    assert!(t.entities.is_empty() && t.casualties.is_empty());
    assert_eq!(t.article, a);
}

#[test]
fn casualties_are_linked_to_the_group_named_with_them() {
    let t = tag("أسفرت الغارة عن مقتل 28 عنصراً من داعش في ريف دير الزور.");
    let c = t
        .casualties
        .iter()
        .find(|c| c.count == 28)
        .expect("the casualty module reports 28 killed");
    assert_eq!(c.victim_entity.as_deref(), Some("ag:isis"));
}

#[test]
fn kb_entities_carry_metadata() {
    let t = tag("اشتباكات في دير الزور بين لواء القدس وداعش.");
    let deir = find(&t, "sy-deir-ez-zor").unwrap();
    assert!(deir.lat.is_some() && deir.lon.is_some());
    assert_eq!(deir.coord_precision.as_deref(), Some("exact"));
    assert_eq!(deir.name_en, "Deir ez-Zor");
    let liwa = find(&t, "ag:liwa-al-quds").unwrap();
    assert!(
        liwa.affiliations.iter().any(|a| a == "state:russia"),
        "{:?}",
        liwa.affiliations
    );
}

fn people(t: &TaggedArticle) -> Vec<String> {
    t.entities
        .iter()
        .filter(|e| e.entity_type == EntityType::Person)
        .map(|e| e.name_ar.clone())
        .collect()
}

#[test]
fn full_names_start_with_a_given_name() {
    let t = tag(
        "أطلق مسلحون النار على الشابين \"عبد الله الفروح، وبشار العتمة\" في مدينة الصنمين، \
         وتوفي منصور مسيلم المسيلم متأثراً بجراحه.",
    );
    check_spans(&t);
    let p = people(&t);
    for name in ["عبد الله الفروح", "بشار العتمة", "منصور مسيلم المسيلم"]
    {
        assert!(p.iter().any(|n| n == name), "{name} in {p:?}");
    }
}

#[test]
fn given_names_inside_other_names_and_common_words_are_not_people() {
    // A given name after a place noun or a unit noun belongs to that name;
    // `صلاح الدين` alone is a given name (and a governorate); `كامل` is
    // the adjective "entire".
    let t = tag(
        "قصفت الطائرات محيط مسجد عمر بن الخطاب وانتشرت القوات في كامل المحافظة \
         وفي محافظة صلاح الدين.",
    );
    let p = people(&t);
    assert!(p.is_empty(), "no people: {p:?}");
}

#[test]
fn a_name_before_an_age_is_a_person() {
    let t = tag("قتل خيرو حسن (36 عاماً) وأصيب الطفل جوان بكر (6 سنوات) بجروح.");
    check_spans(&t);
    let p = people(&t);
    assert!(p.iter().any(|n| n == "خيرو حسن"), "{p:?}");
    assert!(p.iter().any(|n| n == "جوان بكر"), "{p:?}");
}

#[test]
fn a_person_introduced_by_yuda_is_discovered() {
    let t = tag("تبنى التنظيم قتل شخص يدعى دحام حسين الحبيب في بلدة الصور.");
    let p = people(&t);
    assert!(p.iter().any(|n| n == "دحام حسين الحبيب"), "{p:?}");
}

#[test]
fn ministries_are_organizations() {
    let t = tag("أعلنت وزارة الموارد المائية في الحكومة المؤقتة انخفاض منسوب النهر.");
    let orgs: Vec<&str> = t
        .entities
        .iter()
        .filter(|e| e.entity_type == EntityType::Organization)
        .map(|e| e.name_ar.as_str())
        .collect();
    assert!(orgs.contains(&"وزارة الموارد المائية"), "{orgs:?}");
}

#[test]
fn public_order_and_bylaws_are_not_the_regime() {
    let t = tag("أكد البيان ضرورة حفظ النظام العام واحترام النظام الداخلي للمؤسسة وللنظام الدولي.");
    assert!(
        find(&t, "state:syrian-government").is_none(),
        "{:?}",
        ids(&t)
    );
    let t = tag("قصفت قوات النظام بلدة في ريف إدلب.");
    assert!(find(&t, "state:syrian-government").is_some());
}

#[test]
fn a_title_before_a_group_name_is_not_a_person() {
    let t = tag("وقال قائد شرطة حمص العميد مرهف النعسان إن الوحدات اعتقلت المتهمين.");
    let p = people(&t);
    assert_eq!(p, vec!["مرهف النعسان".to_string()], "{p:?}");
}

#[test]
fn a_regime_word_before_a_leader_names_the_state_too() {
    let t = tag("قتل عنصران برصاص قوات أمن نظام بشار الأسد في ريف درعا.");
    check_spans(&t);
    assert!(find(&t, "per:bashar-al-assad").is_some(), "{:?}", ids(&t));
    assert!(
        find(&t, "state:syrian-government").is_some(),
        "{:?}",
        ids(&t)
    );
    // The leader alone is only the person.
    let t = tag("التقى بشار الأسد بالوفد في دمشق.");
    assert!(
        find(&t, "state:syrian-government").is_none(),
        "{:?}",
        ids(&t)
    );
}

#[test]
fn a_former_name_in_parentheses_is_the_same_group() {
    let t =
        tag("سيطرت \"هيئة تحرير الشام\" (النصرة سابقاً) على القرية، وكانت جبهة النصرة قد هاجمتها.");
    check_spans(&t);
    assert!(find(&t, "ag:nusra-front").is_none(), "{:?}", ids(&t));
    let t =
        tag("وتفرض هيئة تحرير الشام، وهي (جبهة النصرة سابقاً)، سيطرتها على المنطقة وعلى النصرة.");
    check_spans(&t);
    let hts = find(&t, "ag:hts").expect("HTS");
    assert!(find(&t, "ag:nusra-front").is_none(), "{:?}", ids(&t));
    assert_eq!(hts.mentions.len(), 3, "{:?}", hts.mentions);
    // Without the marker they stay two groups.
    let t = tag("اشتبكت هيئة تحرير الشام مع جبهة النصرة قرب القرية.");
    assert!(find(&t, "ag:nusra-front").is_some(), "{:?}", ids(&t));
}

#[test]
fn a_person_s_short_name_needs_a_title_or_the_full_name() {
    let t = tag("استقبل الرئيس الشرع الوفد في دمشق.");
    assert!(find(&t, "per:ahmed-al-sharaa").is_some(), "{:?}", ids(&t));
    let t = tag("وصل أحمد الشرع إلى الرياض، وقال الشرع إن الزيارة ناجحة.");
    let p = find(&t, "per:ahmed-al-sharaa").expect("Sharaa");
    assert_eq!(p.mentions.len(), 2, "{:?}", p.mentions);
    // Without either, the surname alone is not matched.
    let t = tag("تحدث الشرع عن الوضع.");
    assert!(find(&t, "per:ahmed-al-sharaa").is_none(), "{:?}", ids(&t));
}

#[test]
fn a_quoted_name_and_the_word_after_it_can_make_a_longer_alias() {
    let t = tag("قصفت ميليشيا “حزب الله” العراقي مواقع في البادية.");
    check_spans(&t);
    assert!(find(&t, "ag:kataib-hezbollah").is_some(), "{:?}", ids(&t));
    assert!(find(&t, "ag:hezbollah").is_none(), "{:?}", ids(&t));
    assert!(find(&t, "state:iraq").is_none(), "{:?}", ids(&t));
}

#[test]
fn local_councils_named_by_their_place_are_organizations() {
    let t = tag("أعلن المجلس المحلي لمدينة رأس العين عن مشاريع جديدة.");
    let orgs: Vec<&str> = t
        .entities
        .iter()
        .filter(|e| e.entity_type == EntityType::Organization)
        .map(|e| e.name_ar.as_str())
        .collect();
    assert!(orgs.contains(&"المجلس المحلي لمدينة رأس العين"), "{orgs:?}");
    // A council without a place is no name.
    let t = tag("ألقى مسلحون قنبلة على منزل عضو في المجلس المحلي التابع لقسد.");
    assert!(!has_type(&t, EntityType::Organization), "{:?}", ids(&t));
}

#[test]
fn a_quoted_group_after_a_person_cue_is_not_a_person() {
    let t = tag(
        "وظهرت ميليشيا أخرى تدعى \"ميليشيا آل البيت\" في المنطقة، وقتل شاب يدعى \"محمود فؤاد\".",
    );
    let p = people(&t);
    assert_eq!(p, vec!["محمود فؤاد".to_string()], "{p:?}");
}

#[test]
fn a_name_ends_before_a_preposition_with_the_article() {
    let t = tag("وقال المتحدث باسم الوزارة زكي أكتورك للصحافيين إن المدينة تحت السيطرة.");
    let p = people(&t);
    assert_eq!(p, vec!["زكي أكتورك".to_string()], "{p:?}");
}

#[test]
fn an_unknown_village_may_have_a_second_word_with_the_article() {
    let t = tag("توغلت القوة في قرية رسم الرواضي الواقعة في ريف القنيطرة.");
    let locs: Vec<&str> = t
        .entities
        .iter()
        .filter(|e| e.entity_type == EntityType::Location)
        .map(|e| e.name_ar.as_str())
        .collect();
    assert!(locs.contains(&"رسم الرواضي"), "{locs:?}");
    assert!(!locs.contains(&"رسم"), "{locs:?}");
}

#[test]
fn a_weak_group_alias_joined_to_a_group_is_that_group() {
    let t = tag("يحمّل التقرير عناصر في الأمن العام والعمشات والحمزة مسؤولية الانتهاكات.");
    check_spans(&t);
    let groups: Vec<&str> = t
        .entities
        .iter()
        .filter(|e| e.entity_type == EntityType::ArmedGroup)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(groups.len(), 3, "{groups:?}");
    // Alone, the weak alias is a common word.
    let t = tag("صلى الناس في مسجد الحمزة يوم الجمعة.");
    assert!(!has_type(&t, EntityType::ArmedGroup), "{:?}", ids(&t));
}

#[test]
fn verbs_and_participles_after_trigger_nouns_are_not_names() {
    let t = tag("نقلت الميليشيا مقراتها إلى أحياء مأهولة بالمدنيين، وذكر الدفاع المدني أن فرقه انتشلت جثامين القتلى.");
    let discovered: Vec<&str> = t
        .entities
        .iter()
        .filter(|e| e.source == EntitySource::Discovered)
        .map(|e| e.name_ar.as_str())
        .collect();
    assert!(discovered.is_empty(), "{discovered:?}");
}

#[test]
fn military_councils_named_by_their_place_are_armed_groups() {
    let t = tag("واستهدف مجلس تل تمر العسكري قاعدة تركية، فيما قال مجلس الأمن إنه قلق.");
    let groups: Vec<&str> = t
        .entities
        .iter()
        .filter(|e| e.entity_type == EntityType::ArmedGroup)
        .map(|e| e.name_ar.as_str())
        .collect();
    assert_eq!(groups, vec!["مجلس تل تمر العسكري"], "{groups:?}");
}

#[test]
fn a_village_named_after_a_known_one_plus_a_word_is_its_own_place() {
    let t = tag("توغلت القوة في قرية صيدا الحانوت بريف القنيطرة الجنوبي.");
    let locs: Vec<&str> = t
        .entities
        .iter()
        .filter(|e| e.entity_type == EntityType::Location)
        .map(|e| e.name_ar.as_str())
        .collect();
    assert!(locs.contains(&"صيدا الحانوت"), "{locs:?}");
    assert!(!locs.contains(&"صيدا"), "{locs:?}");
    // A road between two known places names both.
    let t = tag("قطعت القوات طريق حلب الرقة قرب مسكنة.");
    let ids = ids(&t);
    assert!(ids.contains(&"sy-aleppo".to_string()), "{ids:?}");
    assert!(ids.contains(&"sy-raqqa".to_string()), "{ids:?}");
}
