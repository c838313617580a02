// name: takedown_survival
// description: Per host: copies checked and removed, median hours to removal, share still alive after 1, 3 and 10 days (Kaplan-Meier)
// param: host string = null  -- one host platform (archive.org, youtube, ...); null for every host
// param: min_copies int = 1  -- leave out hosts with fewer checked copies
// param: urls list = null  -- only these copies (canonical URLs, e.g. a selection's); null for every checked URL
// mode: read
//
// A copy's clock starts at its first share (Url.first_seen, else its first check). A removal is dated midway
// between the last check that found the copy alive and the first that found it removed. A copy never found removed
// is censored at its last check: it counts as at risk until then, never as alive forever. alive_after_Nd is the
// share alive N days after the first share; a day beyond the longest follow-up is null unless every copy is gone.
// curve is the Kaplan-Meier step curve, [hours, share alive] at each removal; censored_hours the censoring times.
MATCH (u:Url)-[:CHECKED]->(c:UrlCheck)
WHERE $urls IS NULL OR u.url IN $urls
WITH u, min(c.checked_at) AS first_check, max(c.checked_at) AS last_check
MATCH (u)-[:HOSTED_ON]->(pl:Platform)
WHERE $host IS NULL OR pl.name = $host
WITH pl.name AS host, u.removed_at IS NOT NULL AS removed,
     coalesce(u.first_seen, first_check) AS start,
     CASE
       WHEN u.removed_at IS NULL THEN last_check
       WHEN u.last_alive_at IS NOT NULL AND u.last_alive_at < u.removed_at
         THEN u.last_alive_at + duration.between(u.last_alive_at, u.removed_at) / 2
       ELSE u.removed_at
     END AS end_at
WITH host, removed, duration.inSeconds(start, end_at).seconds / 3600.0 AS hours
WITH host, removed, CASE WHEN hours < 0 THEN 0.0 ELSE hours END AS hours
// Kaplan-Meier: at tied times removals come before censorings.
ORDER BY host, hours, removed DESC
WITH host, collect([hours, removed]) AS obs
WHERE size(obs) >= $min_copies
WITH host, obs, size(obs) AS copies, size([o IN obs WHERE o[1]]) AS removed_count, obs[-1][0] AS followup,
     reduce(km = {at_risk: size(obs), s: 1.0, curve: []}, o IN obs |
       CASE WHEN o[1]
         THEN {at_risk: km.at_risk - 1, s: km.s * (1.0 - 1.0 / km.at_risk),
               curve: km.curve + [[o[0], km.s * (1.0 - 1.0 / km.at_risk)]]}
         ELSE {at_risk: km.at_risk - 1, s: km.s, curve: km.curve}
       END) AS km
WITH host, copies, removed_count, followup, km.curve AS curve, [o IN obs WHERE NOT o[1] | o[0]] AS censored_at,
     [p IN km.curve WHERE p[1] <= 0.5][0][0] AS median_hours
WITH host, copies, removed_count, followup, median_hours, curve, censored_at,
     [d IN [1, 3, 10] |
       CASE WHEN followup < 24.0 * d AND coalesce(last(curve)[1], 1.0) > 0.0 THEN null
            ELSE round(coalesce(last([p IN curve WHERE p[0] <= 24.0 * d | p[1]]), 1.0), 4) END] AS alive
RETURN host, copies, removed_count AS removed, copies - removed_count AS censored,
       round(median_hours, 2) AS median_hours_to_removal,
       alive[0] AS alive_after_1d, alive[1] AS alive_after_3d, alive[2] AS alive_after_10d,
       round(followup, 1) AS followup_hours, [p IN curve | [round(p[0], 3), round(p[1], 4)]] AS curve,
       [h IN censored_at | round(h, 3)] AS censored_hours
  ORDER BY median_hours_to_removal IS NULL, median_hours_to_removal, host
