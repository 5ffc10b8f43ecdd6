// Placeholder until the server lands (this commit is mid-way).
int main() { return 0; }
