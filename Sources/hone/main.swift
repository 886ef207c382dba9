print("hone")
