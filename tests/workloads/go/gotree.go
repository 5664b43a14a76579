// gotree.go: a request-scoped tree builder in Go, profiled by tests/agent/test_go.py.
// Usage: gotree REQUESTS DEPTH [--wait]. Each request builds a complete binary tree of DEPTH
// levels (newNode, one heap Node per node, GO_SITE_NODE), gives every leaf a 64-byte payload
// (newPayload, GO_SITE_PAYLOAD), walks it for a checksum and drops it: all of it garbage when
// the request returns, so the GC runs all the time. It prints the objects it allocated.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

type Node struct {
	left, right *Node
	value       int64
	payload     []byte
}

var nodes, payloads int64

//go:noinline
func newNode(value int64) *Node { // GO_FUNC_NEWNODE
	nodes++
	return &Node{value: value} // GO_SITE_NODE
}

//go:noinline
func newPayload(value int64) []byte {
	payloads++
	b := make([]byte, 64) // GO_SITE_PAYLOAD
	b[0] = byte(value)
	return b
}

func build(depth int, value int64) *Node {
	n := newNode(value)
	if depth <= 1 {
		n.payload = newPayload(value)
		return n
	}
	n.left = build(depth-1, 2*value)
	n.right = build(depth-1, 2*value+1)
	return n
}

func sum(n *Node) int64 {
	if n == nil {
		return 0
	}
	s := n.value
	if n.payload != nil {
		s += int64(n.payload[0])
	}
	return s + sum(n.left) + sum(n.right)
}

//go:noinline
func handleRequest(depth int, id int64) int64 {
	root := build(depth, id)
	return sum(root)
}

func waitGo() {
	if len(os.Args) < 2 || os.Args[len(os.Args)-1] != "--wait" {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	fmt.Println("ready")
	<-c
	signal.Stop(c)
}

func main() {
	requests, _ := strconv.Atoi(os.Args[1])
	depth, _ := strconv.Atoi(os.Args[2])
	waitGo()
	var checksum int64
	for i := 0; i < requests; i++ {
		checksum += handleRequest(depth, int64(i+1))
	}
	fmt.Printf("requests=%d nodes=%d payloads=%d checksum=%d\n", requests, nodes, payloads,
		checksum)
}
