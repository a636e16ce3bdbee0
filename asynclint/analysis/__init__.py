"""What names, calls and values mean: scopes, the resolver, type inference, flow, the project index,
the call graph, and whether a call blocks. Rules ask; this layer answers.
"""
