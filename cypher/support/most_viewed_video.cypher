// name: most_viewed_video
// description: The video whose copies show the most views in all (ties: the lowest uid); what the demo follows.
// mode: read
MATCH (v:Video)<-[s:SERVES]-(:Url)
WITH v, sum(coalesce(s.views, 0)) AS views
RETURN v.uid AS uid
ORDER BY views DESC, uid
LIMIT 1
