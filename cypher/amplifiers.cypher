// name: amplifiers
// description: Accounts that only ever engage with one other account (repost, quote, reply, forward, mention), grouped by the account they amplify
// param: account string = null  -- only the amplifiers of this account uid; null for every amplified account
// param: min_engagements int = 2  -- an amplifier must have engaged at least this often
// param: min_amplifiers int = 2  -- leave out accounts with fewer single-minded amplifiers
// param: limit int = 50  -- amplified accounts returned (most amplifiers first)
// materialised: reports
// mode: read
//
// The seed's influencer clusters: a few influential users, each retweeted by users who engage with that one user
// only. Engagement is any reference: a repost, quote, reply or forward of its post, a forward from its channel, or a
// mention.
// Reads what `swarmgraph analyze reports` wrote on each such account (amplifies: the uid of the one account it
// engages with; amplify_engagements: how often). Data loaded after that run is not in them: the command says so.
MATCH (a:Account)
WHERE a.amplifies IS NOT NULL AND a.amplify_engagements >= $min_engagements
  AND ($account IS NULL OR a.amplifies = $account)
MATCH (target:Account {uid: a.amplifies})
WITH target, a, a.amplify_engagements AS n ORDER BY n DESC, a.uid
WITH target, collect(a) AS amplifiers, sum(n) AS engagements
WHERE size(amplifiers) >= $min_amplifiers
RETURN target.uid AS amplified, target.handle AS handle, target.platform AS platform, size(amplifiers) AS amplifiers,
       engagements, [x IN amplifiers | x.uid] AS amplifier_uids, [x IN amplifiers | x.handle] AS amplifier_handles,
       target.suspended_at AS suspended_at
  ORDER BY amplifiers DESC, amplified
  LIMIT $limit
