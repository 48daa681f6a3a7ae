"""Reading articles, chunking, embedding, storing and searching them."""
