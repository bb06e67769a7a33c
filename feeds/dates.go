package feeds

import (
	"strings"
	"time"
	"unicode"

	"github.com/itlightning/dateparse"
)

// Month and weekday names in the languages feeds are written in, lower case,
// for the dates gofeed cannot read ("Seg, 24 Set 2018", "mer, 16 nov 2022").
// Weekdays only need recognising: they are dropped. A name that means a
// month in one language and a weekday in another ("mar": Italian Tuesday,
// March in several) is read as the month when it stands after the day.
var (
	monthNames = map[string]string{
		// Portuguese
		"fev": "Feb", "fevereiro": "Feb", "abr": "Apr", "abril": "Apr", "mai": "May", "maio": "May",
		"ago": "Aug", "agosto": "Aug", "set": "Sep", "setembro": "Sep", "out": "Oct", "outubro": "Oct",
		"dez": "Dec", "dezembro": "Dec", "janeiro": "Jan", "março": "Mar", "marco": "Mar", "junho": "Jun",
		"julho": "Jul", "novembro": "Nov",
		// Italian
		"gen": "Jan", "gennaio": "Jan", "febbraio": "Feb", "marzo": "Mar", "aprile": "Apr", "mag": "May",
		"maggio": "May", "giu": "Jun", "giugno": "Jun", "lug": "Jul", "luglio": "Jul", "settembre": "Sep",
		"ott": "Oct", "ottobre": "Oct", "novembre": "Nov", "dic": "Dec", "dicembre": "Dec",
		// Spanish
		"ene": "Jan", "enero": "Jan", "febrero": "Feb", "mayo": "May", "junio": "Jun", "julio": "Jul",
		"septiembre": "Sep", "sept": "Sep", "octubre": "Oct", "noviembre": "Nov", "diciembre": "Dec",
		// French
		"janv": "Jan", "janvier": "Jan", "févr": "Feb", "fevr": "Feb", "février": "Feb", "mars": "Mar",
		"avr": "Apr", "avril": "Apr", "juin": "Jun", "juil": "Jul", "juillet": "Jul", "août": "Aug",
		"aout": "Aug", "septembre": "Sep", "oct": "Oct", "octobre": "Oct", "déc": "Dec", "décembre": "Dec",
		// German
		"januar": "Jan", "jän": "Jan", "februar": "Feb", "märz": "Mar", "mär": "Mar", "juni": "Jun",
		"juli": "Jul", "okt": "Oct", "oktober": "Oct", "dezember": "Dec",
	}
	weekdayNames = map[string]bool{
		"seg": true, "ter": true, "qua": true, "qui": true, "sex": true, "sáb": true, "sab": true, "dom": true,
		"lun": true, "mar": true, "mer": true, "gio": true, "ven": true, "mié": true, "mie": true, "jue": true,
		"vie": true, "lu": true, "ma": true, "me": true, "je": true, "ve": true, "sa": true, "di": true,
		"lundi": true, "mardi": true, "mercredi": true, "jeudi": true, "vendredi": true, "samedi": true,
		"dimanche": true, "mo": true, "mi": true, "do": true, "fr": true, "so": true, "mon": true, "tue": true,
		"wed": true, "thu": true, "fri": true, "sat": true, "sun": true, "segunda": true, "terça": true,
		"quarta": true, "quinta": true, "sexta": true, "sábado": true, "domingo": true, "lunedì": true,
		"martedì": true, "mercoledì": true, "giovedì": true, "venerdì": true, "sabato": true, "domenica": true,
		"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
		"saturday": true, "sunday": true, "montag": true, "dienstag": true, "mittwoch": true,
		"donnerstag": true, "freitag": true, "samstag": true, "sonntag": true,
	}
	// zoneOffsets are the zone abbreviations feeds use, which Go's time
	// package reads as offset zero unless the machine's zone has them.
	zoneOffsets = map[string]string{
		"ut": "+0000", "utc": "+0000", "gmt": "+0000", "z": "+0000", "est": "-0500", "edt": "-0400",
		"cst": "-0600", "cdt": "-0500", "mst": "-0700", "mdt": "-0600", "pst": "-0800", "pdt": "-0700",
		"akst": "-0900", "akdt": "-0800", "hst": "-1000", "ast": "-0400", "adt": "-0300", "nst": "-0330",
		"bst": "+0100", "ist": "+0530", "wet": "+0000", "west": "+0100", "cet": "+0100", "cest": "+0200",
		"met": "+0100", "mest": "+0200", "eet": "+0200", "eest": "+0300", "msk": "+0300", "jst": "+0900",
		"kst": "+0900", "hkt": "+0800", "sgt": "+0800", "aest": "+1000", "aedt": "+1100", "acst": "+0930",
		"awst": "+0800", "nzst": "+1200", "nzdt": "+1300", "brt": "-0300", "art": "-0300",
	}
)

// parseLooseDate reads a date gofeed could not: ISO 8601 without seconds or
// zone ("2018-01-06T08:00") or with one-digit fields, slashed dates
// ("2020/1/10 14:33:00"), month and weekday names in Portuguese, Italian,
// Spanish, French and German, 12-hour times ("Sat, Dec 16 2023 02:02:33
// PM") and zone abbreviations. A date without a zone is UTC. It reports
// false for anything else, and for dates outside [earliestYear,
// latestYear].
func parseLooseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 {
		return time.Time{}, false
	}
	n := normaliseDate(s)
	for _, c := range []string{n, s} {
		t, err := dateparse.ParseIn(c, time.UTC, dateparse.PreferMonthFirst(false),
			dateparse.RetryAmbiguousDateWithSwap(true), dateparse.SimpleErrorMessages(true))
		if err != nil {
			continue
		}
		if u := t.UTC(); u.Year() >= earliestYear && u.Year() <= latestYear {
			return u, true
		}
	}
	return time.Time{}, false
}

// normaliseDate rewrites a date in English words: the weekday goes, month
// names become English abbreviations, zone abbreviations numeric offsets,
// and one-digit seconds two digits.
func normaliseDate(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	out := make([]string, 0, len(words))
	sawDay := false
	for i, w := range words {
		lw := strings.ToLower(strings.TrimSuffix(w, "."))
		switch {
		case i == 0 && weekdayNames[lw] && !startsWithDigit(w):
			continue
		case monthNames[lw] != "" && (lw != "mar" || sawDay || i > 0):
			out = append(out, monthNames[lw])
		case zoneOffsets[lw] != "" && i > 0:
			out = append(out, zoneOffsets[lw])
		default:
			if startsWithDigit(w) {
				sawDay = true
				w = strings.TrimSuffix(w, ".") // German "5. März"
			}
			out = append(out, fixSeconds(w))
		}
	}
	return strings.Join(out, " ")
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// fixSeconds pads a one-digit seconds field: "12:35:9+01:00" → "12:35:09+01:00".
func fixSeconds(w string) string {
	i := strings.IndexByte(w, ':')
	if i < 0 {
		return w
	}
	j := strings.IndexByte(w[i+1:], ':')
	if j < 0 {
		return w
	}
	sec := i + 1 + j + 1 // start of the seconds
	if sec < len(w) && w[sec] >= '0' && w[sec] <= '9' && (sec+1 == len(w) || w[sec+1] < '0' || w[sec+1] > '9') {
		return w[:sec] + "0" + w[sec:]
	}
	return w
}
