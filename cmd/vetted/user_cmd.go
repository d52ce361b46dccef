package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vetted-cms/vetted/service"
)

// userCmd: vetted user create --email E --name N --role R… ; the password
// comes from VETTED_NEW_PASSWORD or the first line of stdin, never argv.
func userCmd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: vetted user create --email E --name N --role R [--role R2]")
		return 2
	}
	in := service.NewUser{}
	for i := 1; i < len(args); i++ {
		if i+1 >= len(args) {
			fmt.Fprintf(stderr, "vetted user: %s needs a value\n", args[i])
			return 2
		}
		switch args[i] {
		case "--email":
			in.Email = args[i+1]
		case "--name":
			in.Name = args[i+1]
		case "--role":
			in.Roles = append(in.Roles, args[i+1])
		default:
			fmt.Fprintf(stderr, "vetted user: unknown flag %s\n", args[i])
			return 2
		}
		i++
	}
	in.Password = os.Getenv("VETTED_NEW_PASSWORD")
	if in.Password == "" {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		in.Password = strings.TrimRight(line, "\r\n")
	}
	a, err := open(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "vetted user: %v\n", err)
		return 1
	}
	defer a.closeDB(context.Background())
	u, err := a.svc.CreateUser(ctx, nil, in)
	if err != nil {
		fmt.Fprintf(stderr, "vetted user: %v\n", describeErr(err))
		return 1
	}
	fmt.Fprintf(stdout, "created %s (%s) with roles %s\n", u.Email, u.ID, strings.Join(u.Roles, ", "))
	return 0
}
