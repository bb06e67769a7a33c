package tag

import "github.com/techintel/techintel/index"

// Roles returns the watch-list roles in the order the configuration
// documents them, for validation and help messages. The slice is new on every
// call.
func Roles() []string {
	return []string{"own", "partner", "competitor", "customer", "standards", "other"}
}

// ComponentForRole maps a watch-list role to the component a mention of the
// entity gives a document: own→own, partner→alliances, competitor and
// other→others, customer and standards→industry. Roles are matched exactly
// (lower case); ok is false for any other string.
func ComponentForRole(role string) (component string, ok bool) {
	switch role {
	case "own":
		return index.ComponentOwn, true
	case "partner":
		return index.ComponentAlliances, true
	case "competitor", "other":
		return index.ComponentOthers, true
	case "customer", "standards":
		return index.ComponentIndustry, true
	}
	return "", false
}

// componentRank returns the position of c in index.Components, or -1 for ""
// (technologies) and anything unknown, so evidence sorts in canonical order.
func componentRank(c string) int {
	for i, s := range index.Components {
		if s == c {
			return i
		}
	}
	return -1
}
