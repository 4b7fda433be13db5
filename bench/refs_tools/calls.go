// Call sites by callee name, from Go's own parser (go/ast), for bench/refs_bench.py.
// Prints path<TAB>line<TAB>byte offset of the name in its line (0-based)<TAB>name.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	root := os.Args[1]
	fset := token.NewFileSet()
	filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil // not valid Go (test data): no reference to compare
		}
		ast.Inspect(file, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name *ast.Ident
			switch callee := call.Fun.(type) {
			case *ast.Ident:
				name = callee
			case *ast.SelectorExpr:
				name = callee.Sel
			}
			if name != nil {
				// Unadjusted: a //line directive (generated code, test data) would move
				// the position to another file and line.
				at := fset.PositionFor(name.Pos(), false)
				fmt.Printf("%s\t%d\t%d\t%s\n", path, at.Line, at.Column-1, name.Name)
			}
			return true
		})
		return nil
	})
}
