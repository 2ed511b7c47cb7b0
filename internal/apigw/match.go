package apigw

import "strings"

// match finds the resource of path (encoded, without the stage) as API
// Gateway does: a literal path part before a {param}, a {param} before a
// greedy {proxy+}. It returns the path parameters as API Gateway passes them
// (the path's own encoding kept).
func match(root *Resource, p string) (*Resource, map[string]string) {
	if p == "/" {
		return root, nil
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	params := map[string]string{}
	var walk func(r *Resource, i int) *Resource
	walk = func(r *Resource, i int) *Resource {
		if i == len(segs) {
			return r
		}
		if segs[i] == "" {
			// An empty segment (a trailing or doubled slash) matches nothing.
			return nil
		}
		for _, c := range r.Children {
			if c.PathPart == segs[i] {
				if got := walk(c, i+1); got != nil {
					return got
				}
			}
		}
		for _, c := range r.Children {
			if name, ok := strings.CutPrefix(c.PathPart, "{"); ok && !strings.HasSuffix(c.PathPart, "+}") {
				name = strings.TrimSuffix(name, "}")
				if got := walk(c, i+1); got != nil {
					params[name] = segs[i]
					return got
				}
			}
		}
		for _, c := range r.Children {
			if strings.HasPrefix(c.PathPart, "{") && strings.HasSuffix(c.PathPart, "+}") {
				params[strings.TrimSuffix(strings.TrimPrefix(c.PathPart, "{"), "+}")] = strings.Join(segs[i:], "/")
				return c
			}
		}
		return nil
	}
	r := walk(root, 0)
	if r == nil {
		return nil, nil
	}
	if len(params) == 0 {
		params = nil
	}
	return r, params
}
