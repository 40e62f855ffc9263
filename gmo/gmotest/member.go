package gmotest

import (
	"strconv"
	"strings"
)

// maxCards is how many cards a member may store; maxPhysical how many
// registrations (deleted cards included) physical numbering can count [U].
const (
	maxCards    = 5
	maxPhysical = 100
)

type member struct {
	siteID, id, name string // name: raw cp932
	cards            []*storedCard
}

type storedCard struct {
	c          card
	name       string
	defaultSet bool
	deleted    bool
	phys       int // physical CardSeq: registration order, deleted cards included
}

// checkMemberID validates a MemberID's shape.
func checkMemberID(id string, e *[]string) bool {
	switch {
	case id == "":
		*e = append(*e, "E01220001")
		return false
	case len(id) > 60:
		*e = append(*e, "E01220005")
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_.@", c) >= 0) {
			*e = append(*e, "E01220008")
			return false
		}
	}
	return true
}

// findMember validates site credentials and MemberID and finds the member.
func (s *Server) findMember(p params, e *[]string) *member {
	n := len(*e)
	s.checkSite(p, e)
	id := p.get("MemberID")
	ok := checkMemberID(id, e)
	if len(*e) > n || !ok {
		return nil
	}
	m := s.sites[id]
	if m == nil {
		*e = append(*e, "E01390002")
	}
	return m
}

// seqMode reads SeqMode ("" = 0, logical).
func seqMode(p params, e *[]string) string {
	switch v := p.get("SeqMode"); v {
	case "", "0":
		return "0"
	case "1":
		return "1"
	default:
		*e = append(*e, "E01470008")
		return "0"
	}
}

// seqOf is a card's CardSeq under a SeqMode: its position counting deleted
// cards (physical, "1") or not (logical, "0").
func (m *member) seqOf(sc *storedCard, mode string) int {
	if mode == "1" {
		return sc.phys
	}
	n := 0
	for _, x := range m.cards {
		if x == sc {
			return n
		}
		if !x.deleted {
			n++
		}
	}
	return -1
}

// card finds a live card by CardSeq under a SeqMode.
func (m *member) card(seq int, mode string) *storedCard {
	if mode == "1" {
		if seq >= 0 && seq < len(m.cards) && !m.cards[seq].deleted {
			return m.cards[seq]
		}
		return nil
	}
	n := 0
	for _, x := range m.cards {
		if x.deleted {
			continue
		}
		if n == seq {
			return x
		}
		n++
	}
	return nil
}

func (m *member) live() []*storedCard {
	var out []*storedCard
	for _, x := range m.cards {
		if !x.deleted {
			out = append(out, x)
		}
	}
	return out
}

// defaultCard is the card with DefaultFlag=1, else the first live card.
func (m *member) defaultCard() *storedCard {
	live := m.live()
	for _, x := range live {
		if x.defaultSet {
			return x
		}
	}
	if len(live) > 0 {
		return live[0]
	}
	return nil
}

// storedCard finds the card an ExecTran names by site/member keys.
func (s *Server) storedCard(p params, e *[]string) (*member, *storedCard) {
	n := len(*e)
	m := s.findMember(p, e)
	mode := seqMode(p, e)
	seq := p.get("CardSeq")
	if seq != "" && !isDigits(seq) {
		*e = append(*e, "E01230006")
	}
	if m == nil || len(*e) > n {
		return nil, nil
	}
	var sc *storedCard
	if seq == "" {
		sc = m.defaultCard()
	} else {
		i, _ := strconv.Atoi(seq)
		sc = m.card(i, mode)
	}
	if sc == nil {
		*e = append(*e, "E01240002")
		return nil, nil
	}
	return m, sc
}

// siteMask masks a stored card's number as the recorded site answers do
// (all but the last 3 digits).
func siteMask(pan string) string {
	if len(pan) <= 3 {
		return pan
	}
	return strings.Repeat("*", len(pan)-3) + pan[len(pan)-3:]
}

func (s *Server) saveMember(c *call) reply {
	p := c.p
	var e []string
	s.checkSite(p, &e)
	id := p.get("MemberID")
	okID := checkMemberID(id, &e)
	name := p.get("MemberName")
	if len(name) > 255 {
		e = append(e, "E01430012")
	}
	if len(e) == 0 && okID && s.sites[id] != nil {
		e = append(e, "E01390010")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	s.sites[id] = &member{siteID: p.get("SiteID"), id: id, name: name}
	return reply{pairs: []kv{{"MemberID", id}}}
}

func (s *Server) updateMember(c *call) reply {
	var e []string
	m := s.findMember(c.p, &e)
	if len(c.p.get("MemberName")) > 255 {
		e = append(e, "E01430012")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	m.name = c.p.get("MemberName")
	return reply{pairs: []kv{{"MemberID", m.id}}}
}

func (s *Server) searchMember(c *call) reply {
	var e []string
	m := s.findMember(c.p, &e)
	if len(e) > 0 {
		return fail(e...)
	}
	return reply{pairs: []kv{{"MemberID", m.id}, {"MemberName", m.name}, {"DeleteFlag", "0"}}}
}

func (s *Server) deleteMember(c *call) reply {
	var e []string
	m := s.findMember(c.p, &e)
	if len(e) > 0 {
		return fail(e...)
	}
	delete(s.sites, m.id)
	return reply{pairs: []kv{{"MemberID", m.id}}}
}

func (s *Server) saveCard(c *call) reply {
	p := c.p
	var e []string
	m := s.findMember(p, &e)
	mode := seqMode(p, &e)
	seq := p.get("CardSeq")
	if seq != "" && !isDigits(seq) {
		e = append(e, "E01230006")
	}
	holder := p.get("HolderName")
	if len(holder) > 50 {
		e = append(e, "E01480011")
	}
	var cd card
	consume := func() {}
	tok, pan := p.get("Token"), p.get("CardNo")
	switch {
	case tok != "" && pan != "":
		e = append(e, "E01840010")
	case tok != "":
		tk, code := s.lookupToken(tok, c.now)
		if code != "" {
			e = append(e, code)
		} else {
			cd, consume = tk.c, func() { tk.used = true }
		}
	case pan != "":
		if !s.cfg.rawPAN {
			e = append(e, "E61040001")
		} else {
			cd = card{pan: pan, expire: p.get("Expire")}
			checkPAN(pan, cd.expire, &e)
		}
	default:
		e = append(e, "E01170001")
	}
	var target *storedCard
	if m != nil && seq != "" && len(e) == 0 {
		i, _ := strconv.Atoi(seq)
		if target = m.card(i, mode); target == nil {
			e = append(e, "E01240002")
		}
	}
	if m != nil && target == nil && len(e) == 0 && (len(m.live()) >= maxCards || len(m.cards) >= maxPhysical) {
		e = append(e, "E01230009")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	consume()
	if holder != "" {
		cd.holder = holder
	}
	if target == nil {
		target = &storedCard{phys: len(m.cards)}
		m.cards = append(m.cards, target)
	}
	target.c = cd
	target.name = p.get("CardName")
	if p.get("DefaultFlag") == "1" {
		for _, x := range m.cards {
			x.defaultSet = false
		}
		target.defaultSet = true
	}
	return reply{pairs: []kv{
		{"CardSeq", strconv.Itoa(m.seqOf(target, mode))}, {"CardNo", siteMask(cd.pan)}, {"Forward", forward},
	}}
}

func (s *Server) searchCard(c *call) reply {
	p := c.p
	var e []string
	m := s.findMember(p, &e)
	mode := seqMode(p, &e)
	seq := p.get("CardSeq")
	if seq != "" && !isDigits(seq) {
		e = append(e, "E01230006")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	var list []*storedCard
	if seq != "" {
		i, _ := strconv.Atoi(seq)
		if sc := m.card(i, mode); sc != nil {
			list = append(list, sc)
		}
	} else {
		for _, x := range m.cards {
			if mode == "1" || !x.deleted {
				list = append(list, x)
			}
		}
	}
	if len(list) == 0 {
		return fail("E01240002")
	}
	// Several cards come back column-oriented: the n-th item of each key
	// forms card n.
	cols := make([][]string, 7)
	for _, x := range list {
		del, def := "0", "0"
		if x.deleted {
			del = "1"
		}
		if x.defaultSet {
			def = "1"
		}
		row := []string{strconv.Itoa(m.seqOf(x, mode)), def, x.name, siteMask(x.c.pan), x.c.expire, x.c.holder, del}
		for i, v := range row {
			cols[i] = append(cols[i], v)
		}
	}
	keys := []string{"CardSeq", "DefaultFlag", "CardName", "CardNo", "Expire", "HolderName", "DeleteFlag"}
	pairs := make([]kv, len(keys))
	for i, k := range keys {
		pairs[i] = kv{k, strings.Join(cols[i], "|")}
	}
	return reply{pairs: pairs}
}

func (s *Server) deleteCard(c *call) reply {
	p := c.p
	var e []string
	m := s.findMember(p, &e)
	mode := seqMode(p, &e)
	seq := p.get("CardSeq")
	switch {
	case seq == "":
		e = append(e, "E01230001") // [U] CardSeq not given
	case !isDigits(seq):
		e = append(e, "E01230006")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	i, _ := strconv.Atoi(seq)
	sc := m.card(i, mode)
	if sc == nil {
		return fail("E01240002")
	}
	sc.deleted = true
	sc.defaultSet = false
	return reply{pairs: []kv{{"CardSeq", seq}}}
}

// tradedCard stores the card of an executed card order for a member.
func (s *Server) tradedCard(c *call) reply {
	p := c.p
	var e []string
	s.checkShop(p, &e)
	m := s.findMember(p, &e)
	mode := seqMode(p, &e)
	orderID := p.get("OrderID")
	if orderID == "" {
		e = append(e, "E01040001")
	}
	if len(e) > 0 {
		return fail(e...)
	}
	t := s.orders[orderID]
	switch {
	case t == nil || t.payType != "0":
		return fail("E01110002")
	case t.card == nil || t.status == "UNPROCESSED" || t.status == "AUTHENTICATED":
		return fail("E01110010") // not settled: no card to keep [U]
	}
	if len(m.live()) >= maxCards || len(m.cards) >= maxPhysical {
		return fail("E01230009")
	}
	cd := *t.card
	if h := p.get("HolderName"); h != "" {
		cd.holder = h
	}
	sc := &storedCard{c: cd, phys: len(m.cards)}
	m.cards = append(m.cards, sc)
	if p.get("DefaultFlag") == "1" {
		for _, x := range m.cards {
			x.defaultSet = false
		}
		sc.defaultSet = true
	}
	return reply{pairs: []kv{{"CardSeq", strconv.Itoa(m.seqOf(sc, mode))}, {"CardNo", siteMask(cd.pan)}, {"Forward", forward}}}
}
