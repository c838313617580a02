// name: most_viewed_video
// description: The video whose work's copies show the most views in all (ties: the lowest uid); what the demo follows.
// mode: read
//
// As in top_videos, a work is counted once, under the lowest uid of the Videos certainly SAME_WORK_AS each other.
MATCH (v:Video)
WITH v, COLLECT { MATCH (v)-[:SAME_WORK_AS {certain: true}]-(w:Video) RETURN DISTINCT w } AS same
WHERE all(w IN same WHERE v.uid < w.uid)
UNWIND [v] + same AS member
MATCH (member)<-[s:SERVES]-(:Url)
WITH v, sum(coalesce(s.views, 0)) AS views
RETURN v.uid AS uid
ORDER BY views DESC, uid
LIMIT 1
